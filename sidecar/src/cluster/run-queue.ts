import type * as BullMq from 'bullmq';
import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { LeaseLostError, WorkerClosingError } from '../errors/errors';
import { connectRedis, REDIS_CONNECT_TIMEOUT_MS } from './connection';
import { RunFence } from './run-fence';

/**
 * Queue mode's runs as BullMQ jobs (`DW_REDIS_URL`): API processes `enqueue` a run, worker
 * processes execute it.
 *
 * - **One job per run at a time.** A job's deduplication id is the run id, with BullMQ's
 *   `keepLastIfActive`: enqueueing a run that is waiting does nothing; enqueueing a run whose job
 *   is active leaves one follow-up job that starts when the active one ends (so a run restarted
 *   just as its last execution finishes is not lost); a run whose job ended (completed or failed)
 *   is enqueued anew. At most one job per run is active and at most one waits. Job ids are
 *   BullMQ's own, so finished jobs never block a later enqueue.
 * - **Fencing.** Every take of a job — the first, or another worker's after a crash or a
 *   hand-back — draws a token from Redis larger than any before for that run (`run-fence.ts`).
 *   The handler passes it with every store commit; a stale owner that wakes up is refused
 *   (`fenced_out`). A worker also aborts the handler's signal (`lease_lost`) when BullMQ cannot
 *   renew the job's lock or a newer token appears for the run (checked every half lock): a worker
 *   frozen past its lock (SIGSTOP, a long GC) can, on waking, take the same job again while its
 *   first execution still runs, and only the newer one keeps going.
 * - **Crashes.** A worker that dies (SIGKILL) stops renewing its jobs' locks; after
 *   `lockDurationMs`, the next stalled check (every `stalledIntervalMs`, by any worker) puts the
 *   job back and another worker takes it with a new token. `maxStalledCount` is high (1,000) so
 *   crashes never fail a run by themselves: how often a run may be retried after the agents it
 *   had in flight is bounded by the journal (`DW_MAX_AGENT_ATTEMPTS`), not by the queue.
 * - **The handler's outcome.** Resolving completes the job, whatever the run's state: the store,
 *   not the queue, says whether a run has ended. A handler must settle only once its execution has
 *   stopped writing. A rejection fails the job and is reported (`onError`); BullMQ never retries it
 *   (one attempt), so no second execution starts while the first might still run. The engine
 *   records a run's own failure in the store; a handler rejects only for faults outside the run
 *   (the store unreachable), and such a run stays unfinished until it is enqueued again: a worker
 *   process should enqueue the store's unfinished runs when it starts (enqueue is idempotent). A handler that ends because it was fenced
 *   out (`fenced_out`, `lease_lost`) is not a failure: the run has another owner.
 * - **Shutdown.** `close({ graceful: true })` takes no new job, aborts every handler's signal
 *   (`worker_closing`), waits for them (up to `timeoutMs`) and puts their jobs back in the queue at
 *   once, where another worker resumes each run from its journal. `graceful: false` aborts and
 *   returns at once: the jobs are taken over like a crashed worker's.
 */

/** The queue's name under the prefix: keys `<prefix>runs:*`. */
export const RUN_QUEUE_NAME = 'runs';

const PURPOSE =
  "Queue mode keeps its runs' queue, fencing tokens and control messages there; start Redis or unset DW_REDIS_URL to run every run in one process";

/** BullMQ, loaded when a queue or workers open: only queue mode (DW_REDIS_URL) loads it. */
function bullmq(): typeof BullMq {
  return module.require('bullmq') as typeof BullMq;
}

/** What a job carries. */
interface RunJobData {
  readonly runId: string;
}

/** Options shared by the queue and the workers. */
export interface RunQueueConnectionOptions {
  /** `DW_REDIS_URL`. */
  readonly url: string;
  /** In front of every key (`DW_REDIS_PREFIX`), so clusters and tests can share one Redis. @default 'dw:' */
  readonly prefix?: string;
  /** Time to reach Redis at start before `redis_unavailable`. @default 5_000 */
  readonly connectTimeoutMs?: number;
}

/** The producer side, for API processes. */
export class RunQueue {
  private constructor(
    private readonly queue: Queue<RunJobData>,
    private readonly redis: Redis,
  ) {}

  /** Connects (or throws `redis_unavailable`). */
  static async open(opts: RunQueueConnectionOptions): Promise<RunQueue> {
    const redis = await connectRedis(opts.url, 'dw-run-queue', opts.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS, { purpose: PURPOSE });
    const queue = new (bullmq().Queue)<RunJobData>(RUN_QUEUE_NAME, { connection: redis, prefix: bullPrefix(opts.prefix) });
    queue.on('error', () => undefined);
    return new RunQueue(queue, redis);
  }

  /**
   * Queues the run unless a job of it waits already (see the file's comment). Returns the id of
   * the job that will execute it. Fails fast while Redis is away (no offline queue).
   */
  async enqueue(runId: string): Promise<string> {
    checkRunId(runId);
    const job = await this.queue.add(
      'run',
      { runId },
      {
        deduplication: { id: runId, keepLastIfActive: true },
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: { count: 1_000 },
      },
    );
    return String(job.id);
  }

  /** Jobs per state (metrics, tests). */
  async counts(): Promise<{ waiting: number; active: number; failed: number }> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'failed');
    return { waiting: c.waiting ?? 0, active: c.active ?? 0, failed: c.failed ?? 0 };
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** One take of a run's job, as the handler sees it. */
export interface RunJob {
  readonly runId: string;
  /** The fencing token of this take: pass it with every store commit (`StepWrite.fence`). */
  readonly fence: number;
  /** Aborted when this worker closes (`worker_closing`) or lost the run (`lease_lost`). */
  readonly signal: AbortSignal;
  /** How many times the job has been taken, this take included (more than 1 after crashes or hand-backs). */
  readonly takes: number;
}

/** Options of a process's workers. */
export interface RunWorkersOptions extends RunQueueConnectionOptions {
  /** Executes one run; see the file's comment for what its outcome means. */
  readonly handler: (job: RunJob) => Promise<void>;
  /** Runs this process executes at once. @default 4 */
  readonly concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it): a crashed worker's
   * runs are taken over after about this long plus `stalledIntervalMs`. @default 30_000
   */
  readonly lockDurationMs?: number;
  /** How often a worker looks for jobs whose lock expired. @default 15_000 */
  readonly stalledIntervalMs?: number;
  /** Takeovers after which BullMQ fails a job instead (see the file's comment). @default 1_000 */
  readonly maxStalledCount?: number;
  /** A handler failed, or BullMQ or Redis reported an error (`runId` null when not about one run). */
  readonly onError?: (err: Error, runId: string | null) => void;
  /** This worker's name in BullMQ (shown on its jobs). */
  readonly name?: string;
}

/** Close options. */
export interface CloseOptions {
  /** Hand the runs back at once (true) or leave them to the stalled check like a crash (false). @default true */
  readonly graceful?: boolean;
  /** How long a graceful close waits for the handlers to stop. @default 30_000 */
  readonly timeoutMs?: number;
}

interface Execution {
  readonly runId: string;
  readonly jobId: string;
  readonly fence: number;
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

/** The consumer side, for worker processes: takes run jobs and calls the handler for each. */
export class RunWorkers {
  private readonly concurrency: number;
  private readonly lockDurationMs: number;
  private readonly stalledIntervalMs: number;
  private readonly maxStalledCount: number;
  private readonly executions = new Set<Execution>();
  private worker: Worker<RunJobData> | null = null;
  private redis: Redis | null = null;
  private fence: RunFence | null = null;
  private watch: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly opts: RunWorkersOptions) {
    this.concurrency = opts.concurrency ?? 4;
    this.lockDurationMs = opts.lockDurationMs ?? 30_000;
    this.stalledIntervalMs = opts.stalledIntervalMs ?? 15_000;
    this.maxStalledCount = opts.maxStalledCount ?? 1_000;
    checkInteger('concurrency', this.concurrency, 1, 1_000);
    checkInteger('lockDurationMs', this.lockDurationMs, 200, 3_600_000);
    checkInteger('stalledIntervalMs', this.stalledIntervalMs, 100, 3_600_000);
    checkInteger('maxStalledCount', this.maxStalledCount, 1, 1_000_000);
  }

  /** Runs being executed now. */
  get running(): string[] {
    return [...this.executions].map((e) => e.runId);
  }

  /** Connects (or throws `redis_unavailable`) and starts taking jobs. */
  async start(): Promise<void> {
    if (this.worker) return;
    const redis = await connectRedis(this.opts.url, 'dw-run-workers', this.opts.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS, {
      purpose: PURPOSE,
      // BullMQ's blocking connection (a copy of this one) waits for jobs as long as it takes.
      options: { maxRetriesPerRequest: null, enableOfflineQueue: true },
    });
    this.redis = redis;
    this.fence = new RunFence(redis, this.opts.prefix ?? 'dw:');
    const worker = new (bullmq().Worker)<RunJobData>(RUN_QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: redis,
      prefix: bullPrefix(this.opts.prefix),
      name: this.opts.name,
      concurrency: this.concurrency,
      lockDuration: this.lockDurationMs,
      stalledInterval: this.stalledIntervalMs,
      maxStalledCount: this.maxStalledCount,
      autorun: false,
    });
    worker.on('error', (err) => this.opts.onError?.(err, null));
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const e of this.executions) if (jobIds.includes(e.jobId)) this.lose(e, null);
    });
    this.worker = worker;
    this.watch = setInterval(() => void this.checkFences(), Math.max(100, Math.floor(this.lockDurationMs / 2)));
    this.watch.unref();
    void worker.run().catch((err: Error) => this.opts.onError?.(err, null));
    await worker.waitUntilReady();
  }

  /** Stops taking jobs and ends the executions (see the file's comment). */
  close(opts: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(opts.graceful ?? true, opts.timeoutMs ?? 30_000);
    return this.closing;
  }

  private async shutdown(graceful: boolean, timeoutMs: number): Promise<void> {
    const worker = this.worker;
    if (this.watch) clearInterval(this.watch);
    if (!worker) return;
    let force = !graceful;
    if (graceful) {
      await worker.pause(true).catch(() => undefined);
      const waiting = [...this.executions].map((e) => e.done);
      for (const e of this.executions) e.controller.abort(new WorkerClosingError());
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        Promise.allSettled(waiting).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      force = !stopped;
    } else {
      for (const e of this.executions) e.controller.abort(new WorkerClosingError());
    }
    await worker.close(force).catch(() => undefined);
    // A forced close may leave BullMQ's blocking connection open; nothing of it is needed now.
    await worker.disconnect().catch(() => undefined);
    this.redis?.disconnect();
  }

  private async process(job: Job<RunJobData>, token: string | undefined): Promise<void> {
    const runId = job.data.runId;
    if (this.closing) {
      // Taken by a fetch that was under way when the close began: straight back to the queue.
      await job.moveToWait(token).catch(() => undefined);
      throw new (bullmq().WaitingError)();
    }
    const controller = new AbortController();
    let fence: number;
    try {
      fence = await this.fence!.next(runId);
    } catch (err) {
      // No token, no execution; Redis hiccuped: the job waits a second instead of failing.
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)), runId);
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new (bullmq().DelayedError)();
    }
    let finish!: () => void;
    const execution: Execution = { runId, jobId: String(job.id), fence, controller, done: new Promise<void>((r) => (finish = r)) };
    this.executions.add(execution);
    let failure: unknown = null;
    try {
      await this.opts.handler({ runId, fence, signal: controller.signal, takes: job.attemptsStarted || 1 });
    } catch (err) {
      failure = err;
    } finally {
      this.executions.delete(execution);
      finish();
    }
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : null;
    if (reason instanceof WorkerClosingError) {
      // Back to the queue at once: another worker resumes the run with a newer token.
      await job.moveToWait(token).catch(() => undefined);
      throw new (bullmq().WaitingError)();
    }
    if (failure === null) return;
    if (reason instanceof LeaseLostError || codeOf(failure) === 'fenced_out' || codeOf(failure) === 'lease_lost') return;
    const err = failure instanceof Error ? failure : new Error(String(failure));
    this.opts.onError?.(err, runId);
    throw err;
  }

  /** Aborts executions whose run has drawn a newer token elsewhere. */
  private async checkFences(): Promise<void> {
    const list = [...this.executions];
    if (list.length === 0 || !this.fence) return;
    let current: (number | null)[];
    try {
      current = await this.fence.current(list.map((e) => e.runId));
    } catch {
      return; // Redis away: the lock renewal reports it, the store's fence still holds.
    }
    list.forEach((e, i) => {
      const c = current[i];
      if (c !== null && c > e.fence) this.lose(e, c);
    });
  }

  private lose(e: Execution, current: number | null): void {
    if (!e.controller.signal.aborted) e.controller.abort(new LeaseLostError(e.runId, e.fence, current));
  }
}

/** BullMQ joins its prefix and the queue name with a colon: `dw:` becomes keys `dw:runs:*`. */
function bullPrefix(prefix = 'dw:'): string {
  return prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
}

function checkRunId(runId: string): void {
  if (typeof runId !== 'string' || runId.length === 0 || runId.length > 200)
    throw new RangeError(`Expected \`runId\` to be a non-empty string of at most 200 characters`);
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`Expected \`${name}\` to be ${min}..${max}, got ${value}`);
}

function codeOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
