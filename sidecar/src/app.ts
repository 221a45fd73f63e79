import type { DatabaseSync } from 'node:sqlite';
import pino, { type Logger } from 'pino';
import type { SidecarConfig } from './config/config';
import {
  CallbackHosts,
  CallbackService,
  type CallbackRunEvent,
  type CallbackRunSource,
  type CallbackStore,
  type SelfAddress,
} from './callbacks';
import { connectRedis } from './cluster/connection';
import { ControlBus, type ControlJson } from './cluster/control-bus';
import { RedisBudget } from './cluster/redis-budget';
import { RunQueue, RunWorkers } from './cluster/run-queue';
import type { AgentBudget } from './cluster/types';
import { redactRedisUrl, withoutPassword } from './config/redis-url';
import type { RunRecord } from './core/types';
import { Engine, type ControlMessage, type EngineDeps } from './engine/engine';
import { ConfigError, toErrorInfo } from './errors/errors';
import { REDACT_PATHS } from './http/logger';
import { createOfflineModelServer, knobsFromEnv } from './offline';
import { createProvider } from './providers';
import type { ModelProvider } from './providers/types';
import { IsolatedVmSandbox } from './sandbox';
import { openDatabase } from './store/db';
import { PostgresCallbackStore } from './store/postgres/callbacks';
import { PostgresStore } from './store/postgres/store';
import { SqliteStore } from './store/sqlite-store';
import { SqliteCallbackStore } from './store/sqlite-callbacks';
import type { Store } from './store/store';
import { VERIFICATION_PRELUDE } from './verification';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What a `serve` process does (`--role`): `api` accepts and answers, `worker` executes runs it
 * takes from the queue, `all` both. `api` and `worker` are queue mode's (DW_DATABASE_URL and
 * DW_REDIS_URL); without them a sidecar is one process that does everything.
 */
export type Role = 'api' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['api', 'worker', 'all'];

/** How long an API process waits for the owner of a run to answer a control request. */
const CONTROL_TIMEOUT_MS = 10_000;

/** The engine and what it is made of, wired for one process (serve, run). */
export interface Core {
  readonly config: SidecarConfig;
  /** Runs, journal and events: SQLite in DW_DATA_DIR, or Postgres (DW_DATABASE_URL). */
  readonly store: Store;
  /** Callback registrations, deliveries and groups, in the same database. */
  readonly callbackStore: CallbackStore;
  readonly engine: Engine;
  /** Queue mode (DW_DATABASE_URL and DW_REDIS_URL): the run queue, the control bus, and this process's workers. */
  readonly cluster: Cluster | null;
  readonly provider: ModelProvider;
  readonly logger: Logger;
  /** URL of the embedded offline model server when the provider is offline. */
  readonly offlineUrl: string | null;
  close(): Promise<void>;
}

export interface Cluster {
  readonly queue: RunQueue;
  readonly control: ControlBus;
  /** Null on an API process. */
  readonly workers: RunWorkers | null;
  /** Starts taking runs from the queue and answering control requests for them (worker and all). */
  startWorking(): Promise<void>;
}

export function createLogger(config: Pick<SidecarConfig, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } }, destination);
}

/**
 * Builds the core: database, provider (starting the embedded offline model when that is
 * the provider), sandbox and engine. `metrics` is attached by serve; callbacks follow the
 * engine from outside (createCallbacks).
 */
export async function createCore(
  config: SidecarConfig,
  env: Env,
  opts: {
    logger?: Logger;
    /** An already open SQLite database (embedded mode). */
    db?: DatabaseSync;
    metrics?: ConstructorParameters<typeof Engine>[0]['metrics'];
    /** @default 'all' */
    role?: Role;
  } = {},
): Promise<Core> {
  const logger = opts.logger ?? createLogger(config);
  const role = opts.role ?? 'all';
  const queueMode = config.databaseUrl !== null && config.redisUrl !== null;
  if (role !== 'all' && !queueMode)
    throw new ConfigError(
      `--role ${role} is queue mode's: set DW_DATABASE_URL (Postgres) and DW_REDIS_URL (Redis) for every process, or use --role all (one process)`,
    );
  const stores = await openStores(config, opts.db, queueMode);
  const { store, callbackStore } = stores;
  let offline: ReturnType<typeof createOfflineModelServer> | null = null;
  let offlineUrl: string | null = null;
  if (config.provider === 'offline') {
    offline = createOfflineModelServer(knobsFromEnv(env));
    offlineUrl = (await offline.listen(0, '127.0.0.1')).url;
    logger.info({ url: offlineUrl }, 'offline model server started (no API key configured)');
  }
  const provider = createProvider(config.provider, env, offlineUrl ? { baseURL: offlineUrl } : {});
  const sandbox = new IsolatedVmSandbox({ preludeModules: [VERIFICATION_PRELUDE] });
  let engine: Engine | null = null;
  let budget: AgentBudget | undefined;
  let queue: RunQueue | null = null;
  let control: ControlBus | null = null;
  try {
    budget = await clusterBudget(config, logger, (message) => engine?.notifyExecuting(message));
    if (queueMode) {
      const redis = { url: config.redisUrl as string, prefix: config.redisPrefix };
      queue = await RunQueue.open(redis);
      control = await ControlBus.open(redis);
    }
  } catch (err) {
    await control?.close();
    await queue?.close();
    await budget?.close();
    sandbox.dispose();
    await provider.close?.();
    if (offline) await offline.close();
    await stores.close(!opts.db);
    throw err;
  }
  const queueDeps: Partial<EngineDeps> = {};
  if (queue && control) {
    const q = queue;
    const c = control;
    Object.assign(queueDeps, {
      dispatch: {
        enqueue: async (runId: string) => {
          await q.enqueue(runId);
          return true;
        },
      },
      control: {
        request: async (runId: string, message: ControlMessage) => {
          const answer = await c.request(runId, message as unknown as ControlJson, CONTROL_TIMEOUT_MS);
          return answer.handled ? { handled: true as const, run: answer.reply as unknown as RunRecord } : { handled: false as const };
        },
      },
    });
  }
  engine = new Engine({ config, store, provider, sandbox, metrics: opts.metrics, logger, ...(budget ? { budget } : {}), ...queueDeps });
  const running = engine;
  const cluster = queue && control ? queueCluster(config, role, running, queue, control, logger) : null;
  return {
    config,
    store,
    callbackStore,
    engine: running,
    cluster,
    provider,
    logger,
    offlineUrl,
    async close() {
      // Workers hand their runs back first (another worker resumes them from the journal).
      await cluster?.workers?.close({ graceful: true, timeoutMs: 10_000 });
      await running.close();
      await control?.close();
      await queue?.close();
      await budget?.close();
      sandbox.dispose();
      await provider.close?.();
      if (offline) await offline.close();
      await stores.close(!opts.db);
    },
  };
}

/**
 * The process's stores: SQLite in DW_DATA_DIR (embedded), or Postgres for runs and callbacks on
 * one pool. Postgres without Redis is one process too: it holds an advisory lock that another
 * such process (or a queue-mode one) cannot take, so two never resume the same runs.
 */
async function openStores(
  config: SidecarConfig,
  db: DatabaseSync | undefined,
  queueMode: boolean,
): Promise<{ store: Store; callbackStore: CallbackStore; close(ownDb: boolean): Promise<void> }> {
  if (config.databaseUrl === null) {
    const sqlite = db ?? openDatabase(config.dataDir);
    return {
      store: new SqliteStore(sqlite),
      callbackStore: new SqliteCallbackStore(sqlite),
      async close(ownDb) {
        if (ownDb && sqlite.isOpen) sqlite.close();
      },
    };
  }
  const store = await PostgresStore.open({ url: config.databaseUrl });
  try {
    const holder = await store.pool.connect();
    const mode = queueMode ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
    const { rows } = await holder.query<{ ok: boolean }>(`SELECT ${mode}($1) AS ok`, [SINGLE_PROCESS_LOCK]);
    if (!rows[0]?.ok) {
      holder.release();
      throw new ConfigError(
        queueMode
          ? 'Another sidecar serves this DW_DATABASE_URL as one process (without DW_REDIS_URL); stop it, or give it DW_REDIS_URL too'
          : 'Another sidecar serves this DW_DATABASE_URL already; two without DW_REDIS_URL would both resume (and pay for) the same runs: set DW_REDIS_URL on every process for queue mode',
      );
    }
    const callbackStore = await PostgresCallbackStore.open(store.pool);
    return {
      store,
      callbackStore,
      async close() {
        await callbackStore.close().catch(() => undefined);
        holder.release();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The advisory lock key of a sidecar on Postgres (exclusive without Redis, shared in queue mode). */
const SINGLE_PROCESS_LOCK = 7_420_010;

/** Queue mode's pieces of one process: workers (roles worker and all) execute runs the queue gives them. */
function queueCluster(config: SidecarConfig, role: Role, engine: Engine, queue: RunQueue, control: ControlBus, logger: Logger): Cluster {
  const workers =
    role === 'api'
      ? null
      : new RunWorkers({
          url: config.redisUrl as string,
          prefix: config.redisPrefix,
          concurrency: config.maxRuns,
          lockDurationMs: config.runLockMs,
          stalledIntervalMs: Math.max(500, Math.floor(config.runLockMs / 2)),
          handler: (job) => engine.executeOwned(job.runId, job.fence, job.signal),
          onError: (err, runId) => logger.error({ runId, err: toErrorInfo(err) }, 'run queue'),
        });
  return {
    queue,
    control,
    workers,
    async startWorking() {
      if (!workers) return;
      await control.serve((runId, message) =>
        engine.executes(runId)
          ? engine.control(runId, message as unknown as ControlMessage).then((run) => run as unknown as ControlJson)
          : null,
      );
      await workers.start();
    },
  };
}

/**
 * With DW_REDIS_URL, the cluster-wide budget of agents in flight: two connections (commands, and
 * the budget's notifications), or `redis_unavailable` when Redis does not answer at start.
 */
async function clusterBudget(config: SidecarConfig, logger: Logger, notify: (message: string) => void): Promise<AgentBudget | undefined> {
  const url = config.redisUrl;
  if (url === null) return undefined;
  const where = redactRedisUrl(url);
  const redis = await connectRedis(url, 'dw-budget');
  let subscriber: Awaited<ReturnType<typeof connectRedis>>;
  try {
    subscriber = await connectRedis(url, 'dw-budget-events');
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const budget = new RedisBudget({
    redis,
    subscriber,
    prefix: config.redisPrefix,
    limit: config.globalMaxParallel,
    leaseMs: config.redisLeaseMs,
    ownsConnections: true,
    onAvailability: (available, reason) => {
      if (available) {
        logger.info({ redis: where }, 'Redis answers again: agents waiting for the cluster budget go on');
        notify('Redis answers again: the cluster-wide agent budget is back');
      } else {
        logger.warn({ redis: where, reason: withoutPassword(reason, url) }, 'Redis unreachable: new agents wait for the cluster budget');
        notify('Redis (DW_REDIS_URL) is unreachable: new agents wait for the cluster-wide budget; agents already at the model go on');
      }
    },
  });
  await budget.subscribed;
  logger.info({ redis: where, prefix: config.redisPrefix, limit: config.globalMaxParallel }, 'agent budget shared through Redis');
  return budget;
}

/** The engine as the callback service sees it: stored events, records, and a way to add events. */
export function callbackRunSource(engine: Engine): CallbackRunSource {
  return {
    subscribe: (runId, listener) => engine.subscribe(runId, listener),
    getRun: async (id) => {
      try {
        return await engine.get(id);
      } catch {
        return null;
      }
    },
    record: (runId, event) => engine.record(runId, event),
  };
}

/**
 * The callback service of a core: its own tables in the core's database, following the engine's
 * run events, delivering only where DW_CALLBACK_HOSTS allows and never to `self` (the sidecar's
 * listener, read when a callback is checked). Start it once the server listens.
 */
export function createCallbacks(
  core: Pick<Core, 'config' | 'callbackStore' | 'engine' | 'logger'>,
  opts: {
    self?: () => SelfAddress | null;
    onOutcome?: (event: CallbackRunEvent) => void;
    /** Where the callbacks live. @default the core's SQLite database */
    store?: CallbackStore;
  } = {},
): CallbackService {
  const { config } = core;
  return new CallbackService({
    store: opts.store ?? core.callbackStore,
    runs: callbackRunSource(core.engine),
    hosts: CallbackHosts.fromConfig(config, opts.self ?? (() => ({ host: config.host, port: config.port }))),
    secret: config.callbackSecret,
    logger: core.logger,
    retry: { baseMs: config.callbackRetryBaseMs, maxMs: Math.max(config.callbackRetryBaseMs, config.callbackRetryMaxMs) },
    onOutcome: opts.onOutcome,
  });
}
