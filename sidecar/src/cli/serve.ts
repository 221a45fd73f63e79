import http from 'node:http';
import { loadConfig } from '../config/config';
import { createCallbacks, createCore, createLogger, type Core, type Role } from '../app';
import type { SelfAddress } from '../callbacks';
import { buildServer, SidecarMetrics } from '../http';
import { IsolatedVmSandbox } from '../sandbox';
import { attachLivePage } from '../ui';
import { DataDirLock, takeoverMessage } from '../store/data-dir-lock';
import { openDatabase } from '../store/db';
import { schedulePrune } from '../store/retention';
import { VERSION } from '../version';

/**
 * `dynamic-workflows serve`: the sidecar. Unfinished runs resume on start; SIGTERM stops
 * taking requests, lets runs stop at a safe point (they resume on the next start) and exits.
 *
 * `--role` (queue mode, DW_DATABASE_URL + DW_REDIS_URL): `api` answers the HTTP API and queues
 * runs, `worker` executes them (it listens only for /healthz), `all` both.
 */
export async function serveCommand(opts: { role?: Role } = {}): Promise<void> {
  const role = opts.role ?? 'all';
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  // One process per data folder: two would both resume, and pay for, the same unfinished runs.
  // Released on exit (process.exit included); after a crash the next start takes it over.
  const lock = DataDirLock.acquire(config.dataDir, {
    command: 'serve',
    onTakeover: (holder, why) => logger.warn({ dataDir: config.dataDir, holder, why }, takeoverMessage(holder, why)),
  });
  const db = config.databaseUrl === null ? openDatabase(config.dataDir) : undefined;
  const metrics = new SidecarMetrics();
  const core = await createCore(config, process.env, { logger, ...(db ? { db } : {}), metrics, role });
  if (role === 'worker') return serveWorker(core, lock);
  const callbacks = createCallbacks(core, {
    self: () => listenerOf(app),
    onOutcome: (event) => metrics.recordCallback(event.type === 'callback.delivered' ? 'delivered' : 'failed'),
  });
  const app = buildServer({ engine: core.engine, config, callbacks, logger, version: VERSION, metrics, ...attachLivePage(config) });
  await app.listen({ host: config.host, port: config.port });
  await core.cluster?.startWorking();
  const resumed = await core.engine.resumeUnfinished();
  void core.engine
    .sweepIsolation()
    .then((removed) => removed > 0 && logger.info({ removed }, 'leftover copies of isolated agents removed'))
    .catch((err: unknown) => logger.warn({ err }, 'removing leftover copies of isolated agents failed'));
  await callbacks.start();
  const stopPruning =
    config.retentionDays === null
      ? () => undefined
      : schedulePrune(db ?? core.store, {
          days: config.retentionDays,
          onPrune: (result) => {
            if (result.runs > 0) logger.info({ ...result }, 'old finished runs pruned');
          },
          onError: (err) => logger.error({ err }, 'pruning old runs failed'),
        });
  logger.info(
    { host: config.host, port: config.port, provider: config.provider, store: core.store.kind, role, resumed, version: VERSION },
    'sidecar listening',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close().catch(() => undefined);
    stopPruning();
    await callbacks.stop().catch(() => undefined);
    await core.close().catch(() => undefined);
    // A script that crashed V8 inside its isolate can leave a thread that never ends and that
    // blocks a normal exit; the journal makes a hard stop safe (runs resume on the next start).
    if (IsolatedVmSandbox.wedgedIsolates > 0) {
      logger.warn({ wedged: IsolatedVmSandbox.wedgedIsolates }, 'isolates stuck after memory bombs: exiting hard');
      lock.release();
      process.kill(process.pid, 'SIGKILL');
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * `serve --role worker`: executes the runs the queue gives it and answers their control requests;
 * on DW_PORT it answers only GET /healthz. Its callback service delivers like every process's.
 * SIGTERM hands its runs back to the queue, where another worker resumes them.
 */
async function serveWorker(core: Core, lock: DataDirLock): Promise<void> {
  const { config, logger } = core;
  const callbacks = createCallbacks(core);
  const health = http.createServer((req, res) => {
    const ok = req.method === 'GET' && req.url === '/healthz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        ok
          ? { status: 'ok', role: 'worker', version: VERSION, executing: core.cluster?.workers?.running.length ?? 0 }
          : { error: { code: 'not_found', message: 'A worker answers only GET /healthz; send the API to an api process' } },
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    health.once('error', reject);
    health.listen(config.port, config.host, () => resolve());
  });
  await core.cluster?.startWorking();
  const resumed = await core.engine.resumeUnfinished();
  await callbacks.start();
  logger.info(
    { host: config.host, port: config.port, provider: config.provider, role: 'worker', resumed, version: VERSION },
    'worker taking runs',
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: handing runs back to the queue');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    health.close();
    await callbacks.stop().catch(() => undefined);
    await core.close().catch(() => undefined);
    lock.release();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** The address the server listens on (its real port, also when DW_PORT is 0). */
function listenerOf(app: { server: { address(): unknown } }): SelfAddress | null {
  const a = app.server.address() as { address: string; port: number } | string | null;
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
}
