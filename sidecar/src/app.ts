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
import { RedisBudget } from './cluster/redis-budget';
import type { AgentBudget } from './cluster/types';
import { redactRedisUrl, withoutPassword } from './config/redis-url';
import { Engine } from './engine/engine';
import { REDACT_PATHS } from './http/logger';
import { createOfflineModelServer, knobsFromEnv } from './offline';
import { createProvider } from './providers';
import type { ModelProvider } from './providers/types';
import { IsolatedVmSandbox } from './sandbox';
import { openDatabase } from './store/db';
import { SqliteStore } from './store/sqlite-store';
import { SqliteCallbackStore } from './store/sqlite-callbacks';
import { VERIFICATION_PRELUDE } from './verification';

type Env = Readonly<Record<string, string | undefined>>;

/** The engine and what it is made of, wired for one process (serve, run). */
export interface Core {
  readonly config: SidecarConfig;
  readonly db: DatabaseSync;
  /** The engine's store over `db`. */
  readonly store: SqliteStore;
  readonly engine: Engine;
  readonly provider: ModelProvider;
  readonly logger: Logger;
  /** URL of the embedded offline model server when the provider is offline. */
  readonly offlineUrl: string | null;
  close(): Promise<void>;
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
    /** An already open store. */
    db?: DatabaseSync;
    metrics?: ConstructorParameters<typeof Engine>[0]['metrics'];
  } = {},
): Promise<Core> {
  const logger = opts.logger ?? createLogger(config);
  const db = opts.db ?? openDatabase(config.dataDir);
  const store = new SqliteStore(db);
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
  try {
    budget = await clusterBudget(config, logger, (message) => engine?.notifyExecuting(message));
  } catch (err) {
    sandbox.dispose();
    await provider.close?.();
    if (offline) await offline.close();
    if (!opts.db) db.close();
    throw err;
  }
  engine = new Engine({ config, store, provider, sandbox, metrics: opts.metrics, logger, ...(budget ? { budget } : {}) });
  const running = engine;
  return {
    config,
    db,
    store,
    engine: running,
    provider,
    logger,
    offlineUrl,
    async close() {
      await running.close();
      await budget?.close();
      sandbox.dispose();
      await provider.close?.();
      if (offline) await offline.close();
      db.close();
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
  core: Pick<Core, 'config' | 'db' | 'engine' | 'logger'>,
  opts: {
    self?: () => SelfAddress | null;
    onOutcome?: (event: CallbackRunEvent) => void;
    /** Where the callbacks live. @default the core's SQLite database */
    store?: CallbackStore;
  } = {},
): CallbackService {
  const { config } = core;
  return new CallbackService({
    store: opts.store ?? new SqliteCallbackStore(core.db),
    runs: callbackRunSource(core.engine),
    hosts: CallbackHosts.fromConfig(config, opts.self ?? (() => ({ host: config.host, port: config.port }))),
    secret: config.callbackSecret,
    logger: core.logger,
    retry: { baseMs: config.callbackRetryBaseMs, maxMs: Math.max(config.callbackRetryBaseMs, config.callbackRetryMaxMs) },
    onOutcome: opts.onOutcome,
  });
}
