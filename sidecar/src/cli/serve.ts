import { loadConfig, refuseDatabaseUrl } from '../config/config';
import { createCallbacks, createCore, createLogger } from '../app';
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
 */
export async function serveCommand(): Promise<void> {
  const config = loadConfig(process.env);
  refuseDatabaseUrl(config, 'serve');
  const logger = createLogger(config);
  // One process per data folder: two would both resume, and pay for, the same unfinished runs.
  // Released on exit (process.exit included); after a crash the next start takes it over.
  const lock = DataDirLock.acquire(config.dataDir, {
    command: 'serve',
    onTakeover: (holder, why) => logger.warn({ dataDir: config.dataDir, holder, why }, takeoverMessage(holder, why)),
  });
  const db = openDatabase(config.dataDir);
  const metrics = new SidecarMetrics();
  const core = await createCore(config, process.env, { logger, db, metrics });
  const callbacks = createCallbacks(core, {
    self: () => listenerOf(app),
    onOutcome: (event) => metrics.recordCallback(event.type === 'callback.delivered' ? 'delivered' : 'failed'),
  });
  const app = buildServer({ engine: core.engine, config, callbacks, logger, version: VERSION, metrics, ...attachLivePage(config) });
  await app.listen({ host: config.host, port: config.port });
  const resumed = await core.engine.resumeUnfinished();
  void core.engine
    .sweepIsolation()
    .then((removed) => removed > 0 && logger.info({ removed }, 'leftover copies of isolated agents removed'))
    .catch((err: unknown) => logger.warn({ err }, 'removing leftover copies of isolated agents failed'));
  await callbacks.start();
  const stopPruning =
    config.retentionDays === null
      ? () => undefined
      : schedulePrune(db, {
          days: config.retentionDays,
          onPrune: (result) => {
            if (result.runs > 0) logger.info({ ...result }, 'old finished runs pruned');
          },
          onError: (err) => logger.error({ err }, 'pruning old runs failed'),
        });
  logger.info({ host: config.host, port: config.port, provider: config.provider, resumed, version: VERSION }, 'sidecar listening');

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

/** The address the server listens on (its real port, also when DW_PORT is 0). */
function listenerOf(app: { server: { address(): unknown } }): SelfAddress | null {
  const a = app.server.address() as { address: string; port: number } | string | null;
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
}
