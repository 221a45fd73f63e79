import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlBus } from '../../src/cluster/control-bus';
import { InvalidStateError } from '../../src/errors/errors';
import { bundleChild, ChildLines } from '../support/child-bundle';
import { RedisTestSpace, TEST_REDIS_URL, describeWithRedis } from '../support/redis';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

describeWithRedis('ControlBus (real Redis)', () => {
  let space: RedisTestSpace;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    space = new RedisTestSpace();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await space.cleanup();
  });

  async function bus(): Promise<ControlBus> {
    const b = await ControlBus.open({ url: TEST_REDIS_URL, prefix: space.prefix });
    closers.push(() => b.close());
    return b;
  }

  it("a message reaches the run's owner and its reply comes back; a run nobody owns is answered at once", async () => {
    const [worker, other, api] = [await bus(), await bus(), await bus()];
    const received: [string, unknown][] = [];
    await worker.serve((runId, message) => {
      if (runId !== 'r1') return null;
      received.push([runId, message]);
      return Promise.resolve({ ok: true, by: 'worker' });
    });
    await other.serve(() => null);
    await expect(api.request('r1', { type: 'cancel' }, 2_000)).resolves.toEqual({ handled: true, reply: { ok: true, by: 'worker' } });
    expect(received).toEqual([['r1', { type: 'cancel' }]]);
    const t = Date.now();
    await expect(api.request('r9', { type: 'pause' }, 2_000)).resolves.toEqual({ handled: false });
    // Both listeners said "not mine": no waiting for the 2 s timeout.
    expect(Date.now() - t).toBeLessThan(500);
  });

  it('with no process listening a request is unhandled at once', async () => {
    const api = await bus();
    const t = Date.now();
    await expect(api.request('r1', { type: 'resume' }, 5_000)).resolves.toEqual({ handled: false });
    expect(Date.now() - t).toBeLessThan(500);
  });

  it("the owner's error comes back with its code and status", async () => {
    const [worker, api] = [await bus(), await bus()];
    await worker.serve(() => Promise.reject(new InvalidStateError('Run r1 is not awaiting approval')));
    await expect(api.request('r1', { type: 'approve', approved: true }, 2_000)).rejects.toMatchObject({
      code: 'invalid_state',
      status: 409,
      message: 'Run r1 is not awaiting approval',
    });
  });

  it('an owner that acknowledges but does not reply in time is control_timeout, not "unhandled"', async () => {
    const [worker, api] = [await bus(), await bus()];
    await worker.serve(() => sleep(1_000).then(() => 'late'));
    await expect(api.request('r1', { type: 'restart-agent', seq: 3 }, 200)).rejects.toMatchObject({ code: 'control_timeout', status: 504 });
  });

  it('a process that serves and requests answers its own requests', async () => {
    const all = await bus();
    await all.serve((runId) => (runId === 'mine' ? Promise.resolve('here') : null));
    await expect(all.request('mine', null, 1_000)).resolves.toEqual({ handled: true, reply: 'here' });
    await expect(all.request('theirs', null, 1_000)).resolves.toEqual({ handled: false });
  });

  it('across processes: the owner in another process answers well within a second', async () => {
    const bundle = bundleChild(path.join(__dirname, 'fixtures', 'control-server-child.ts'));
    const env = { DW_TEST_REDIS_URL: TEST_REDIS_URL, DW_TEST_PREFIX: space.prefix };
    const owner = new ChildLines(bundle, { ...env, DW_TEST_RUNS: 'a1,a2' });
    const bystander = new ChildLines(bundle, { ...env, DW_TEST_RUNS: 'b1' });
    closers.push(
      () => owner.kill(),
      () => bystander.kill(),
    );
    const ownerPid = (await owner.line('ready')).ready;
    await bystander.line('ready');
    const api = await bus();
    const rtt: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = process.hrtime.bigint();
      const r = await api.request(i % 2 ? 'a1' : 'a2', { type: 'cancel', i }, 1_000);
      rtt.push(Number(process.hrtime.bigint() - t) / 1e6);
      expect(r).toEqual({ handled: true, reply: { runId: i % 2 ? 'a1' : 'a2', message: { type: 'cancel', i }, pid: ownerPid } });
    }
    rtt.sort((a, b) => a - b);
    const t = Date.now();
    await expect(api.request('nobody', { type: 'pause' }, 1_000)).resolves.toEqual({ handled: false });
    const unowned = Date.now() - t;
    process.stdout.write(
      `control round trip over 200 requests: median ${percentile(rtt, 50).toFixed(2)} ms, p99 ${percentile(rtt, 99).toFixed(2)} ms, max ${rtt[rtt.length - 1].toFixed(2)} ms; unowned answered in ${unowned} ms\n`,
    );
    expect(percentile(rtt, 99)).toBeLessThan(1_000);
    expect(unowned).toBeLessThan(500);
  });
});
