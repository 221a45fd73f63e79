import fs from 'node:fs';
import { loadConfig, refuseDatabaseUrl } from '../config/config';
import { createCore, createLogger } from '../app';
import { isTerminal } from '../core/types';
import { toErrorInfo } from '../errors/errors';
import { DataDirLock, takeoverMessage } from '../store/data-dir-lock';
import { ProgressReporter } from './progress';

export interface RunCommandOptions {
  readonly script?: string;
  readonly input?: string;
  /** Run this saved workflow (DW_WORKFLOWS_DIR) instead of planning a script. */
  readonly workflow?: string;
}

/**
 * `dynamic-workflows run "<task>"` or `run --workflow NAME`: one run in this process, live
 * progress on stderr, the final run record as JSON on the last line of stdout; exit 0 only when it
 * converged, 2 when the command line is wrong.
 */
export async function runCommand(task: string | undefined, opts: RunCommandOptions): Promise<number> {
  if (task === undefined && opts.workflow === undefined) {
    process.stderr.write('Give a task, or --workflow NAME to run a saved workflow\n');
    return 2;
  }
  if (opts.workflow !== undefined && opts.script !== undefined) {
    process.stderr.write('Give --script or --workflow, not both\n');
    return 2;
  }
  const env = { ...process.env, DW_DEV: process.env.DW_DEV ?? '1', DW_HOST: '127.0.0.1' };
  const config = loadConfig(env);
  refuseDatabaseUrl(config, 'run');
  let input: unknown = undefined;
  if (opts.input !== undefined) {
    try {
      input = JSON.parse(opts.input);
    } catch (err) {
      process.stderr.write(`--input is not valid JSON: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const script = opts.script !== undefined ? fs.readFileSync(opts.script, 'utf8') : undefined;
  const logger = createLogger({ logLevel: process.env.DW_LOG_LEVEL ?? 'warn' }, process.stderr);
  // The run lives in the data folder: a `serve` starting on it meanwhile would resume it too.
  const lock = DataDirLock.acquire(config.dataDir, {
    command: 'run',
    onTakeover: (holder, why) => logger.warn({ dataDir: config.dataDir, holder, why }, takeoverMessage(holder, why)),
  });
  let core: Awaited<ReturnType<typeof createCore>>;
  try {
    core = await createCore(config, env, { logger });
  } catch (err) {
    lock.release();
    throw err;
  }
  let exitCode = 1;
  try {
    const started = await core.engine.start({
      ...(task !== undefined ? { task } : {}),
      ...(opts.workflow !== undefined ? { workflow: opts.workflow } : {}),
      input,
      script,
    });
    const progress = new ProgressReporter(process.stderr, () => core.engine.get(started.id));
    progress.start();
    const stop = () => {
      void core.engine.cancel(started.id, 'Interrupted').catch(() => undefined);
    };
    process.once('SIGINT', stop);
    const done = await core.engine.waitFor(started.id);
    process.off('SIGINT', stop);
    await progress.stop();
    if (done.status === 'awaiting_approval' || !isTerminal(done.status)) {
      process.stderr.write('The run waits for plan approval; use the sidecar (serve) to approve plans.\n');
    }
    if (done.error) process.stderr.write(`${done.error.code}: ${done.error.message}\n`);
    process.stdout.write(`${JSON.stringify(done)}\n`);
    exitCode = done.status === 'converged' ? 0 : 1;
  } catch (err) {
    const info = toErrorInfo(err);
    process.stderr.write(`${info.code}: ${info.message}\n`);
    process.stdout.write(`${JSON.stringify({ status: 'failed', error: info })}\n`);
    exitCode = 1;
  } finally {
    await core.close();
    lock.release();
  }
  return exitCode;
}
