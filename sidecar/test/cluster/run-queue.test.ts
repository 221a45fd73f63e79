import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunQueue, RunWorkers, type RunJob, type RunWorkersOptions } from '../../src/cluster/run-queue';
import { PostgresStore } from '../../src/store/postgres/store';
import { bundleChild, ChildLines } from '../support/child-bundle';
import { createTestDatabase, postgresStatus } from '../support/postgres';
import { runRecord } from '../support/records';
import { RedisTestSpace, TEST_REDIS_URL, describeWithRedis } from '../support/redis';

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describeWithRedis('RunQueue and RunWorkers (real Redis)', () => {
  let space: RedisTestSpace;
  const closers: (() => Promise<void>)[] = [];
  let queue: RunQueue;

  beforeEach(async () => {
    space = new RedisTestSpace();
    queue = await RunQueue.open({ url: TEST_REDIS_URL, prefix: space.prefix });
    closers.push(() => queue.close());
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await space.cleanup();
  });

  async function workers(handler: RunWorkersOptions['handler'], opts: Partial<RunWorkersOptions> = {}): Promise<RunWorkers> {
    const w = new RunWorkers({
      url: TEST_REDIS_URL,
      prefix: space.prefix,
      lockDurationMs: 1_000,
      stalledIntervalMs: 300,
      handler,
      ...opts,
    });
    await w.start();
    closers.push(() => w.close({ graceful: false }));
    return w;
  }

  it('a run is queued once while it waits, once more while it is active, and again after it ended', async () => {
    const a = await queue.enqueue('r1');
    expect(await queue.enqueue('r1')).toBe(a);
    expect(await queue.enqueue('r1')).toBe(a);
    expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0 });

    const takes: RunJob[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let release: () => void = () => undefined;
    await workers(async (job) => {
      takes.push(job);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => (release = r));
      inFlight--;
    });
    await until(() => takes.length === 1);
    // Active: two more enqueues leave one follow-up job, which waits for the active one to end.
    await queue.enqueue('r1');
    await queue.enqueue('r1');
    await sleep(200);
    expect(takes).toHaveLength(1);
    release();
    await until(() => takes.length === 2);
    release();
    await until(() => inFlight === 0);
    await sleep(200);
    expect(takes).toHaveLength(2);
    // Ended: a later restart of the run queues it again.
    await queue.enqueue('r1');
    await until(() => takes.length === 3);
    release();
    expect(maxInFlight).toBe(1);
    const fences = takes.map((t) => t.fence);
    expect(fences[1]).toBeGreaterThan(fences[0]);
    expect(fences[2]).toBeGreaterThan(fences[1]);
  });

  it('a worker executes at most `concurrency` runs at once', async () => {
    let inFlight = 0;
    let max = 0;
    const done: string[] = [];
    await workers(
      async ({ runId }) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await sleep(100);
        inFlight--;
        done.push(runId);
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 7; i++) await queue.enqueue(`c${i}`);
    await until(() => done.length === 7);
    expect(max).toBe(2);
  });

  it('a failed handler fails its job once, without a retry; the run can be queued again', async () => {
    const errors: [string, string | null][] = [];
    let calls = 0;
    await workers(
      async () => {
        calls++;
        if (calls === 1) throw new Error('store unreachable');
      },
      { onError: (err, runId) => errors.push([err.message, runId]) },
    );
    await queue.enqueue('f1');
    await until(() => errors.length === 1);
    await sleep(300);
    expect(calls).toBe(1);
    expect(errors[0]).toEqual(['store unreachable', 'f1']);
    expect(await queue.counts()).toMatchObject({ failed: 1, waiting: 0, active: 0 });
    await queue.enqueue('f1');
    await until(() => calls === 2);
  });

  it('a graceful close aborts the handlers and hands their runs to another worker at once', async () => {
    const first: RunJob[] = [];
    const reasons: unknown[] = [];
    const a = await workers(
      (job) => {
        first.push(job);
        return new Promise<void>((resolve) =>
          job.signal.addEventListener('abort', () => {
            reasons.push(job.signal.reason);
            resolve();
          }),
        );
      },
      { lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
    );
    await queue.enqueue('g1');
    await until(() => first.length === 1);
    const t = Date.now();
    await a.close({ graceful: true });
    expect(reasons).toEqual([expect.objectContaining({ code: 'worker_closing' })]);
    const second: RunJob[] = [];
    await workers(async (job) => void second.push(job), { lockDurationMs: 30_000, stalledIntervalMs: 30_000 });
    await until(() => second.length === 1);
    // Long before the 30 s lock would have expired.
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(second[0].fence).toBeGreaterThan(first[0].fence);
  });

  describe('across processes', () => {
    const bundle = bundleChild(path.join(__dirname, 'fixtures', 'run-worker-child.ts'));

    it('a worker killed with SIGKILL loses its run to a worker in another process, with a larger fencing token', async () => {
      const child = new ChildLines(bundle, { DW_TEST_REDIS_URL: TEST_REDIS_URL, DW_TEST_PREFIX: space.prefix });
      closers.push(() => child.kill());
      await child.line('ready');
      await queue.enqueue('k1');
      const took = await child.line('took', 'k1');
      await child.kill('SIGKILL');
      const killedAt = Date.now();
      const here: RunJob[] = [];
      await workers(async (job) => void here.push(job));
      await until(() => here.length === 1, 15_000);
      const takeoverMs = Date.now() - killedAt;
      expect(here[0].runId).toBe('k1');
      expect(here[0].fence).toBeGreaterThan(took.fence as number);
      expect(here[0].takes).toBe(2);
      // Lock 1 s, stalled check every 0.3 s (a check marks, the next one moves).
      expect(takeoverMs).toBeLessThan(5_000);
      process.stdout.write(`takeover after SIGKILL: ${takeoverMs} ms\n`);
    });

    const pg = postgresStatus();
    (pg.available ? it : it.skip)('a stale owner that wakes up after the takeover is fenced out of the store', async () => {
      const db = await createTestDatabase();
      closers.push(() => db.drop());
      const store = await PostgresStore.open({ url: db.url, poolSize: 2, crossProcessEvents: false });
      closers.push(() => store.close());
      await store.insertRun(runRecord('s1'), { task: 't' }, null);
      const child = new ChildLines(bundle, { DW_TEST_REDIS_URL: TEST_REDIS_URL, DW_TEST_PREFIX: space.prefix, DW_TEST_STORE_URL: db.url });
      closers.push(() => child.kill());
      await child.line('ready');
      await queue.enqueue('s1');
      const took = await child.line('took', 's1');
      child.send('commit s1');
      expect(await child.line('committed', 's1')).toEqual({ committed: 's1', fence: took.fence });
      // Frozen, not dead: its lock expires and this process takes the run over.
      child.child.kill('SIGSTOP');
      const here: RunJob[] = [];
      await workers(async (job) => {
        here.push(job);
        await store.commit({
          fence: { runId: job.runId, token: job.fence },
          events: [{ runId: job.runId, event: { type: 'log', message: 'new owner' } }],
        });
        await new Promise<void>((r) => job.signal.addEventListener('abort', () => r()));
      });
      await until(() => here.length === 1, 15_000);
      child.child.kill('SIGCONT');
      child.send('commit s1');
      expect(await child.line('refused', 's1')).toEqual({ refused: 's1', fence: took.fence, code: 'fenced_out' });
      const messages = (await store.events.since('s1', 0)).map((e) => (e.event as { message: string }).message);
      expect(messages).toEqual([`from ${child.child.pid}`, 'new owner']);
    });
  });
});
