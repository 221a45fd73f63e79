import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/db';
import { SqliteCallbackStore } from '../../src/store/sqlite-callbacks';
import { CallbackHosts } from '../../src/callbacks/hosts';
import { CallbackService } from '../../src/callbacks/service';
import type { CallbackServiceOptions } from '../../src/callbacks/types';
import { FakeRuns } from './fake-runs';
import { startReceiver, type Behaviour, type Receiver } from './receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('CallbackService groups', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dw-groups-'));
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  async function receiver(script: (n: number) => Behaviour = () => ({ status: 200 })): Promise<Receiver> {
    const r = await startReceiver(script);
    cleanups.push(() => r.close());
    return r;
  }

  function service(runs: FakeRuns, opts: Partial<CallbackServiceOptions> = {}) {
    const db = openDatabase(dir);
    const svc = new CallbackService({
      secret: 'group-secret-0123456789',
      hosts: new CallbackHosts(['127.0.0.1']),
      retry: { baseMs: 5, maxMs: 20, maxAttempts: 10 },
      ...opts,
      runs,
      store: new SqliteCallbackStore(db),
    });
    cleanups.push(async () => {
      await svc.stop();
      db.close();
    });
    return svc;
  }

  it('runs that ended while no service was running satisfy an open group at the next start', async () => {
    const rx = await receiver();
    const runs = new FakeRuns();
    runs.set('a', 'running');
    runs.set('b', 'running');
    const first = service(runs);
    await first.start();
    const reg = await first.registerGroup({ runIds: ['a', 'b'], url: rx.url });
    expect(reg).toMatchObject({ registered: true, met: false });
    await first.stop();
    runs.setSilently('a', 'converged', { result: 1 });
    runs.setSilently('b', 'failed', { error: { code: 'deadline', message: 'late' } });

    const second = service(runs);
    await second.start();
    await until(() => rx.requests.length === 1);
    await sleep(40);
    expect(rx.requests).toHaveLength(1);
    expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({
      runs: [
        { runId: 'a', status: 'converged', result: 1, ended: true },
        { runId: 'b', status: 'failed', error: { code: 'deadline', message: 'late' }, ended: true },
      ],
    });
  });

  it('a group POST cut off mid-flight is sent again after a restart, and never after it was delivered', async () => {
    const rx = await receiver((n) => (n === 0 ? 'hang' : { status: 200 }));
    const runs = new FakeRuns();
    runs.set('a', 'converged');
    const first = service(runs, { stopGraceMs: 20 });
    await first.start();
    const reg = await first.registerGroup({ runIds: ['a'], url: rx.url });
    await until(() => rx.requests.length === 1);
    await first.stop();
    const id = reg.registered ? reg.group.id : '';
    expect((await first.group(id))?.state).toBe('delivering');

    const second = service(runs);
    await second.start();
    await until(async () => (await second.group(id))?.state === 'delivered');
    await second.stop();
    const third = service(runs);
    await third.start();
    runs.set('a', 'converged');
    await sleep(60);
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);
    expect(runs.recorded.map((e) => e.event)).toEqual([
      expect.objectContaining({ type: 'callback.delivered', groupId: id, status: 'converged' }),
    ]);
  });

  it('settles a group once however many of its runs end at the same moment, and gives up like a run callback', async () => {
    const rx = await receiver(() => ({ status: 410 }));
    const runs = new FakeRuns();
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    for (const id of ids) runs.set(id, 'running');
    const svc = service(runs);
    await svc.start();
    const reg = await svc.registerGroup({ runIds: ids, url: rx.url, wait: 'any', count: 5 });
    for (const id of ids) runs.set(id, 'converged');
    await until(() => runs.recorded.length === 20);
    await sleep(40);
    expect(rx.requests).toHaveLength(1);
    // The body shows the runs as read once the condition held: runs that ended in the same moment may be in it as ended.
    expect(JSON.parse(rx.requests[0]!.body).runs.filter((r: { ended: boolean }) => r.ended).length).toBeGreaterThanOrEqual(5);
    expect(await svc.group(reg.registered ? reg.group.id : '')).toMatchObject({ state: 'failed', httpStatus: 410, lastError: 'HTTP 410' });
    expect(new Set(runs.recorded.map((e) => e.event.type))).toEqual(new Set(['callback.failed']));
  });

  it("checks a large group on each run's end without reading every finished run again", async () => {
    const rx = await receiver();
    const runs = new FakeRuns();
    const ids = Array.from({ length: 300 }, (_, i) => `r${i}`);
    for (const id of ids) runs.set(id, 'running');
    let reads = 0;
    const getRun = runs.getRun.bind(runs);
    runs.getRun = (id) => {
      reads++;
      return getRun(id);
    };
    const svc = service(runs);
    await svc.start();
    await svc.registerGroup({ runIds: ids, url: rx.url });
    reads = 0;
    for (const id of ids) runs.set(id, 'converged', { result: id });
    await until(() => rx.requests.length === 1);

    // One read per run's end, one per check for the first run still going, and one per run for the body;
    // re-reading every finished run on each end would be 300 * 299 / 2.
    expect(reads).toBeLessThan(4 * ids.length);
    expect(JSON.parse(rx.requests[0]!.body).runs).toHaveLength(300);
  });

  it('a run that leaves a final state (an agent restarted in a failed run) is not counted as ended any more', async () => {
    const rx = await receiver();
    const runs = new FakeRuns();
    runs.set('a', 'running');
    runs.set('b', 'running');
    const svc = service(runs);
    await svc.start();
    await svc.registerGroup({ runIds: ['a', 'b'], url: rx.url });
    runs.set('a', 'failed');
    runs.set('a', 'running');
    runs.set('b', 'converged');
    await sleep(60);
    expect(rx.requests).toEqual([]);
    runs.set('a', 'converged');
    await until(() => rx.requests.length === 1);
    expect(JSON.parse(rx.requests[0]!.body).runs.map((r: { status: string }) => r.status)).toEqual(['converged', 'converged']);
  });
});
