import pino from 'pino';
import { CallbackHosts } from '../../src/callbacks/hosts';
import { CallbackService } from '../../src/callbacks/service';
import type { CallbackServiceOptions } from '../../src/callbacks/types';
import type { CallbackStore } from '../../src/core/callback-store';
import { PostgresCallbackStore } from '../../src/store/postgres/callbacks';
import { createTestDatabase, postgresStatus } from '../support/postgres';
import { FakeRuns } from './fake-runs';
import { startReceiver, type Behaviour, type Receiver } from './receiver';

// Queue mode: several sidecar processes, each with its own CallbackService and connections, one
// Postgres. Every delivery must reach its receiver once, whoever enqueued it and whoever sends it.

const RUNNING_ALREADY = JSON.stringify({ code: 409, message: 'The execution "42" is running already.' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const status = postgresStatus();
if (!status.available) console.warn(`callbacks across processes: skipped (${status.reason})`);

(status.available ? describe : describe.skip)('callbacks across processes on one Postgres', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    await db.drop();
  });

  /** One "process": a store with a pool of its own, its view of the runs, its service. */
  async function sidecar(opts: Partial<Omit<CallbackServiceOptions, 'store' | 'runs'>> = {}) {
    const store: CallbackStore = await PostgresCallbackStore.open({ url: db.url, poolSize: 4 });
    const runs = new FakeRuns();
    const svc = new CallbackService({
      store,
      runs,
      secret: 'cluster-secret-0123456789',
      hosts: new CallbackHosts(['127.0.0.1']),
      logger: pino({ level: 'silent' }),
      retry: { baseMs: 5, maxMs: 50, maxAttempts: 20, notWaitingMs: [5, 10] },
      pollMs: 50,
      ...opts,
    });
    cleanups.push(async () => {
      await svc.stop();
      await store.close();
    });
    return { svc, runs, store };
  }

  async function receiver(script: (n: number, runId: string) => Behaviour): Promise<Receiver & { byRun: Map<string, number> }> {
    const byRun = new Map<string, number>();
    let rx: Receiver | null = null;
    rx = await startReceiver((n) => {
      const runId = (JSON.parse(rx!.requests[n]!.body) as { runId: string }).runId;
      const seen = byRun.get(runId) ?? 0;
      byRun.set(runId, seen + 1);
      return script(seen, runId);
    });
    cleanups.push(() => rx!.close());
    return Object.assign(rx, { byRun });
  }

  it('three services, 60 runs ending, a receiver answering 409 "is running already" twice: each callback arrives once', async () => {
    // Per run: two 409s while "n8n" saves the wait, then 200; anything after the 200 is a duplicate.
    const answered = new Map<string, number>();
    const rx = await receiver((seen, runId) => {
      if (seen < 2) return { status: 409, body: RUNNING_ALREADY, delayMs: 5 };
      answered.set(runId, (answered.get(runId) ?? 0) + 1);
      return { status: 200, delayMs: 5 };
    });
    const nodes = await Promise.all([sidecar(), sidecar(), sidecar()]);
    for (const n of nodes) await n.svc.start();

    const ids = Array.from({ length: 60 }, (_, i) => `run-${i}`);
    for (const [i, id] of ids.entries()) {
      for (const n of nodes) n.runs.setSilently(id, 'running');
      await nodes[i % 3].svc.register(id, { url: `${rx.url}&run=${id}` });
    }
    // Every process sees every run end (the worst case for races); for a third of the runs only
    // the process that ran it sees the event, the others find the delivery in the outbox.
    for (const [i, id] of ids.entries()) {
      if (i % 3 === 0)
        nodes.forEach((n, k) =>
          k === 0 ? n.runs.set(id, 'converged', { result: i }) : n.runs.setSilently(id, 'converged', { result: i }),
        );
      else for (const n of nodes) n.runs.set(id, 'converged', { result: i });
    }

    const recorded = () => nodes.flatMap((n) => n.runs.recorded);
    const ended = Date.now();
    // On a time-out the expectations below say what is missing.
    await until(() => recorded().length >= ids.length).catch(() => undefined);
    if (process.env.DW_TEST_TIMINGS) console.log(`60 callbacks through 3 services: ${Date.now() - ended} ms`);
    await sleep(300);

    expect(answered.size).toBe(ids.length);
    for (const id of ids) {
      expect({ id, accepted: answered.get(id), requests: rx.byRun.get(id) }).toEqual({ id, accepted: 1, requests: 3 });
    }
    expect(rx.requests).toHaveLength(ids.length * 3);
    const delivered = recorded().filter((e) => e.event.type === 'callback.delivered');
    expect(delivered).toHaveLength(ids.length);
    expect(new Set(delivered.map((e) => e.runId)).size).toBe(ids.length);
    for (const id of ids) {
      expect(await nodes[0].store.deliveries(id)).toEqual([expect.objectContaining({ state: 'delivered', attempts: 3, httpStatus: 200 })]);
    }
    // The work was shared: more than one process sent.
    expect(nodes.filter((n) => n.runs.recorded.length > 0).length).toBeGreaterThan(1);
  });

  it('a group registered in one process and completed by runs ending in others is delivered once', async () => {
    const rx = await receiver((seen) => (seen < 1 ? { status: 409, body: RUNNING_ALREADY } : { status: 200 }));
    const nodes = await Promise.all([sidecar(), sidecar(), sidecar()]);
    for (const n of nodes) await n.svc.start();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const n of nodes) for (const id of ids) n.runs.setSilently(id, 'running');
    await nodes[0].svc.registerGroup({ runIds: ids, url: rx.url });
    for (const [i, id] of ids.entries())
      for (const [k, n] of nodes.entries()) {
        if (k === i % 3) n.runs.set(id, 'converged');
        else n.runs.setSilently(id, 'converged');
      }
    await until(() => nodes.flatMap((n) => n.runs.recorded).length >= ids.length);
    await sleep(300);
    // Each request carries the group body; the second (after one 409) is accepted.
    expect(rx.requests).toHaveLength(2);
    expect(nodes.flatMap((n) => n.runs.recorded.map((e) => e.event.type))).toEqual(ids.map(() => 'callback.delivered'));
  });

  it('a delivery whose sender dies mid-POST is sent by another process once the lease ends, and only then', async () => {
    const rx = await receiver((seen) => (seen === 0 ? 'hang' : { status: 200 }));
    const leaseMs = 600;
    const doomed = await sidecar({ timeoutMs: 400, leaseMs, stopGraceMs: 0 });
    await doomed.svc.start();
    doomed.runs.set('r1', 'running');
    await doomed.svc.register('r1', { url: rx.url });
    // The claim comes after this moment, so its lease ends no sooner than `leaseMs` after it.
    const beforeClaim = Date.now();
    doomed.runs.set('r1', 'converged');
    await until(() => rx.requests.length === 1);
    // The process dies: its POST is cut off and nothing records how it ended.
    await doomed.svc.stop();
    expect(await doomed.store.deliveries('r1')).toEqual([expect.objectContaining({ state: 'delivering', attempts: 1 })]);

    const heir = await sidecar({ timeoutMs: 400, leaseMs });
    heir.runs.setSilently('r1', 'converged');
    await heir.svc.start();
    await until(() => heir.runs.recorded.length === 1);
    expect(Date.now() - beforeClaim).toBeGreaterThanOrEqual(leaseMs);
    await sleep(200);

    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);
    expect(heir.runs.recorded.map((e) => e.event)).toEqual([expect.objectContaining({ type: 'callback.delivered', httpStatus: 200 })]);
    expect(doomed.runs.recorded).toEqual([]);
    expect(await heir.store.deliveries('r1')).toEqual([expect.objectContaining({ state: 'delivered', attempts: 2 })]);
  });
});
