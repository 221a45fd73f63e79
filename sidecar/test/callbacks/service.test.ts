import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/store/db';
import { SqliteCallbackStore } from '../../src/store/sqlite-callbacks';
import { CallbackHosts } from '../../src/callbacks/hosts';
import { CallbackService } from '../../src/callbacks/service';
import { verifyCallbackSignature } from '../../src/callbacks/signature';
import type { CallbackServiceOptions } from '../../src/callbacks/types';
import { FakeRuns } from './fake-runs';
import { startReceiver, type Behaviour, type Receiver } from './receiver';

const SECRET = 'callback-secret-0123456789';
const RUNNING_ALREADY = JSON.stringify({ code: 409, message: 'The execution "42" is running already.' });
const FINISHED_ALREADY = JSON.stringify({ code: 409, message: 'The execution "42" has finished already.' });
const PATH = '/webhook-waiting/42';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('CallbackService', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function receiver(script: (n: number) => Behaviour): Promise<Receiver> {
    const r = await startReceiver(script);
    cleanups.push(() => r.close());
    return r;
  }

  function service(opts: Partial<Omit<CallbackServiceOptions, 'store'>> & { db?: DatabaseSync; runs?: FakeRuns } = {}) {
    const db = opts.db ?? openDatabase(':memory:');
    const runs = opts.runs ?? new FakeRuns();
    const svc = new CallbackService({
      secret: SECRET,
      hosts: new CallbackHosts(['127.0.0.1']),
      retry: { baseMs: 5, maxMs: 20, maxAttempts: 10 },
      ...opts,
      runs,
      store: new SqliteCallbackStore(db),
    });
    cleanups.push(async () => {
      await svc.stop();
      if (!opts.db) db.close();
    });
    return { svc, db, runs, events: runs.recorded };
  }

  it('retries n8n\'s 409 "is running already" and a 500, then delivers exactly once, signed over timestamp, path and body', async () => {
    const rx = await receiver((n) =>
      n < 3 ? { status: 409, body: RUNNING_ALREADY } : n === 3 ? { status: 500, body: 'oops' } : { status: 200 },
    );
    const { svc, runs, events } = service();
    await svc.start();
    runs.set('r1', 'running');
    await svc.register('r1', { url: rx.url });
    const run = runs.set('r1', 'converged', { result: { confirmed: ['a'] } });
    await until(() => events.length > 0);
    await sleep(100);

    expect(rx.requests).toHaveLength(5);
    const expectedBody = { runId: 'r1', status: 'converged', result: { confirmed: ['a'] }, usage: run.usage };
    for (const req of rx.requests) {
      expect(JSON.parse(req.body)).toEqual(expectedBody);
      expect(req.headers['content-type']).toBe('application/json');
      const ts = req.headers['x-dw-timestamp'] as string;
      const sig = req.headers['x-dw-signature'] as string;
      expect(verifyCallbackSignature(SECRET, ts, PATH, req.body, sig)).toBe(true);
      expect(verifyCallbackSignature(SECRET, ts, '/webhook-waiting/43', req.body, sig)).toBe(false);
      expect(verifyCallbackSignature('another-secret', ts, PATH, req.body, sig)).toBe(false);
    }
    expect(events).toEqual([
      { runId: 'r1', event: { type: 'callback.delivered', url: rx.url.split('?')[0], status: 'converged', httpStatus: 200 } },
    ]);
    expect(await svc.deliveries('r1')).toEqual([
      expect.objectContaining({ state: 'delivered', attempts: 5, httpStatus: 200, status: 'converged' }),
    ]);
  });

  it('retries n8n\'s 409 "is running already" within milliseconds, not on the normal backoff', async () => {
    const rx = await receiver((n) => (n < 3 ? { status: 409, body: RUNNING_ALREADY } : { status: 200 }));
    // A normal backoff this long would hold the first retry for at least 30 s.
    const { svc, runs, events } = service({ retry: { baseMs: 60_000, maxMs: 120_000, maxAttempts: 10, notWaitingMs: [10, 20, 40] } });
    await svc.start();
    runs.set('r1', 'converged');
    const registered = Date.now();
    await svc.register('r1', { url: rx.url });
    await until(() => events.length > 0, 5_000);

    expect(Date.now() - registered).toBeLessThan(5_000);
    expect(rx.requests).toHaveLength(4);
    expect(events[0]!.event).toMatchObject({ type: 'callback.delivered', httpStatus: 200 });
    expect(await svc.deliveries('r1')).toEqual([expect.objectContaining({ state: 'delivered', attempts: 4 })]);
  });

  it('after the short schedule a delivery n8n still refuses as "running already" joins the normal backoff', async () => {
    const rx = await receiver(() => ({ status: 409, body: RUNNING_ALREADY }));
    const { svc, runs } = service({ retry: { baseMs: 60_000, maxMs: 120_000, maxAttempts: 10, notWaitingMs: [5, 5] } });
    await svc.start();
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url });
    await until(async () => {
      const [d] = await svc.deliveries('r1');
      return d?.attempts === 3 && d?.state === 'pending';
    });
    await sleep(50);

    expect(rx.requests).toHaveLength(3);
    const [d] = await svc.deliveries('r1');
    expect(d!.lastError).toContain('not waiting yet');
    // Equal jitter: between half and all of baseMs.
    expect(d!.nextAttemptAt - Date.now()).toBeGreaterThan(25_000);
  });

  it('other failures keep the normal backoff', async () => {
    const rx = await receiver(() => ({ status: 500 }));
    const { svc, runs } = service({ retry: { baseMs: 60_000, maxMs: 120_000, maxAttempts: 10 } });
    await svc.start();
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url });
    await until(async () => {
      const [d] = await svc.deliveries('r1');
      return d?.attempts === 1 && d?.state === 'pending';
    });
    await sleep(50);

    expect(rx.requests).toHaveLength(1);
    expect((await svc.deliveries('r1'))[0]!.nextAttemptAt - Date.now()).toBeGreaterThan(25_000);
  });

  it('treats 409 "has finished already" as final', async () => {
    const rx = await receiver(() => ({ status: 409, body: FINISHED_ALREADY }));
    const { svc, runs, events } = service();
    await svc.start();
    runs.set('r1', 'running');
    await svc.register('r1', { url: rx.url });
    runs.set('r1', 'failed', { error: { code: 'deadline', message: 'Run deadline exceeded' } });
    await until(() => events.length > 0);
    await sleep(60);
    expect(rx.requests).toHaveLength(1);
    expect(JSON.parse(rx.requests[0]!.body)).toEqual({
      runId: 'r1',
      status: 'failed',
      error: { code: 'deadline', message: 'Run deadline exceeded' },
      usage: expect.any(Object),
    });
    expect(events[0]!.event).toMatchObject({
      type: 'callback.failed',
      status: 'failed',
      reason: expect.stringContaining('has finished already'),
    });
    expect((await svc.deliveries('r1'))[0]).toMatchObject({ state: 'failed', attempts: 1, httpStatus: 409 });
  });

  it.each([401, 403, 404, 410, 400, 302])('treats HTTP %i as final', async (status) => {
    const rx = await receiver(() => ({
      status,
      headers: status === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : ({} as Record<string, string>),
    }));
    const { svc, runs, events } = service();
    await svc.start();
    runs.set('r1', 'running');
    await svc.register('r1', { url: rx.url, events: ['cancelled'] });
    runs.set('r1', 'cancelled');
    await until(() => events.length > 0);
    await sleep(40);
    expect(rx.requests).toHaveLength(1);
    expect(events[0]!.event.type).toBe('callback.failed');
  });

  it("keeps the receiver's answer out of the run's events: the status code only", async () => {
    const rx = await receiver(() => ({ status: 403, body: 'root:x:0:0:secret-line-from-an-internal-service' }));
    const { svc, runs, events } = service();
    await svc.start();
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url });
    await until(() => events.length > 0);
    expect(events[0]!.event).toEqual({ type: 'callback.failed', url: rx.url.split('?')[0], status: 'converged', reason: 'HTTP 403' });
    expect((await svc.deliveries('r1'))[0]!.lastError).toBe('HTTP 403');
  });

  it('retries dropped connections and gives up after maxAttempts', async () => {
    const rx = await receiver((n) => (n === 0 ? 'drop' : { status: 503 }));
    const { svc, runs, events } = service({ retry: { baseMs: 2, maxMs: 5, maxAttempts: 4 } });
    await svc.start();
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url });
    await until(() => events.length > 0);
    await sleep(40);
    expect(rx.requests).toHaveLength(4);
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toMatchObject({ type: 'callback.failed', reason: 'HTTP 503 (gave up after 4 attempts)' });
  });

  it('enqueues one delivery per registration and status, however often the status is seen or the URL registered', async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const { svc, runs, events } = service();
    runs.set('r1', 'running');
    await svc.register('r1', { url: rx.url });
    await svc.start();
    runs.set('r1', 'converged');
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url, events: ['converged', 'failed'] });
    await svc.stop();
    await svc.start();
    await until(() => events.length > 0);
    await sleep(60);
    expect(rx.requests).toHaveLength(1);
    expect(await svc.registrations('r1')).toEqual([expect.objectContaining({ events: ['converged', 'failed'] })]);
  });

  it('delivers at once when registered for a state the run is already in, and not for other states', async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const { svc, runs, events } = service();
    await svc.start();
    runs.set('r1', 'awaiting_approval');
    runs.set('r2', 'running');
    await svc.register('r1', { url: rx.url, events: ['awaiting_approval'] });
    await svc.register('r2', { url: `${rx.url}&other` });
    await until(() => events.length > 0);
    await sleep(40);
    expect(rx.requests.map((r) => JSON.parse(r.body).runId)).toEqual(['r1']);
    runs.set('r2', 'awaiting_approval');
    await sleep(40);
    expect(rx.requests).toHaveLength(1);
  });

  it("sends one registration's statuses in order, one at a time", async () => {
    const log: string[] = [];
    const rx = await receiver((n) => {
      log.push(`in ${n}`);
      setTimeout(() => log.push(`out ${n}`), 60);
      return n === 0 ? { status: 503, delayMs: 60 } : { status: 200, delayMs: 60 };
    });
    const { svc, runs, events } = service();
    runs.set('r1', 'running');
    await svc.register('r1', { url: rx.url, events: ['awaiting_approval', 'converged'] });
    await svc.start();
    runs.set('r1', 'awaiting_approval');
    runs.set('r1', 'converged');
    await until(() => events.length === 2);
    expect(rx.requests.map((r) => JSON.parse(r.body).status)).toEqual(['awaiting_approval', 'awaiting_approval', 'converged']);
    expect(log.slice(0, 5)).toEqual(['in 0', 'out 0', 'in 1', 'out 1', 'in 2']);
  });

  it('sends unsigned deliveries when there is no secret (development mode)', async () => {
    const rx = await receiver(() => ({ status: 204 }));
    const { svc, runs, events } = service({ secret: null });
    await svc.start();
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url });
    await until(() => events.length > 0);
    expect(rx.requests[0]!.headers['x-dw-signature']).toBeUndefined();
    expect(rx.requests[0]!.headers['x-dw-timestamp']).toMatch(/^\d+$/);
  });

  it('rejects callback URLs that could never be delivered, and runs that do not exist', async () => {
    const { svc, runs } = service();
    runs.set('r1', 'running');
    for (const url of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/', `http://example.com/${'x'.repeat(3000)}`]) {
      await expect(svc.register('r1', { url })).rejects.toMatchObject({ code: 'invalid_request' });
    }
    await expect(svc.register('r1', { url: 'http://127.0.0.1/', events: [] })).rejects.toThrow(/callback.events/);
    await expect(svc.register('nope', { url: 'http://127.0.0.1/' })).rejects.toMatchObject({ code: 'run_not_found' });
  });

  it('allows at most maxPerRun URLs per run; registering a known URL again is not one more', async () => {
    const { svc, runs } = service({ maxPerRun: 2 });
    runs.set('r1', 'running');
    await svc.register('r1', { url: 'http://127.0.0.1:9/a' });
    await svc.register('r1', { url: 'http://127.0.0.1:9/b' });
    await expect(svc.register('r1', { url: 'http://127.0.0.1:9/c' })).rejects.toMatchObject({ code: 'callback_limit', status: 409 });
    await svc.register('r1', { url: 'http://127.0.0.1:9/a', events: ['failed'] });
    expect((await svc.registrations('r1')).map((r) => r.url).sort()).toEqual(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
  });

  it('stop() waits for a POST in flight to finish, and stops following the runs', async () => {
    const rx = await receiver(() => ({ status: 200, delayMs: 150 }));
    const { svc, runs } = service({ stopGraceMs: 2_000 });
    await svc.start();
    expect(runs.listenerCount).toBe(1);
    runs.set('r1', 'converged');
    await svc.register('r1', { url: rx.url });
    await until(() => rx.requests.length === 1);
    await svc.stop();
    expect((await svc.deliveries('r1'))[0]!.state).toBe('delivered');
    expect(runs.listenerCount).toBe(0);
  });

  describe('across restarts (same database file)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'dw-callbacks-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const openDb = () => {
      const db = openDatabase(dir);
      cleanups.push(() => db.close());
      return db;
    };

    it('a pending delivery left by a stopped service is delivered exactly once by the next one', async () => {
      const rx = await receiver((n) => (n === 0 ? { status: 503 } : { status: 200 }));
      const runs = new FakeRuns();
      const first = service({ db: openDb(), runs, retry: { baseMs: 60_000, maxMs: 60_000, maxAttempts: 5 } });
      await first.svc.start();
      runs.set('r1', 'converged');
      await first.svc.register('r1', { url: rx.url });
      await until(async () => {
        const [d] = await first.svc.deliveries('r1');
        return d?.state === 'pending' && d?.attempts === 1;
      });
      await first.svc.stop();

      // The next process: the retry is due now rather than in a minute, as after a long outage.
      const second = service({ db: openDb(), runs, now: () => Date.now() + 120_000 });
      await second.svc.start();
      runs.set('r1', 'converged');
      await until(() => runs.recorded.length > 0);
      await second.svc.stop();

      const third = service({ db: openDb(), runs, now: () => Date.now() + 240_000 });
      await third.svc.start();
      runs.set('r1', 'converged');
      await sleep(60);

      expect(rx.requests).toHaveLength(2);
      expect(runs.recorded.map((e) => e.event.type)).toEqual(['callback.delivered']);
      expect(await third.svc.deliveries('r1')).toEqual([expect.objectContaining({ state: 'delivered', attempts: 2 })]);
    });

    it('a run that ended while no service was running gets its callback at the next start', async () => {
      const rx = await receiver(() => ({ status: 200 }));
      const runs = new FakeRuns();
      const first = service({ db: openDb(), runs });
      await first.svc.start();
      runs.set('r1', 'running');
      await first.svc.register('r1', { url: rx.url, events: ['converged'] });
      await first.svc.stop();
      // The run converges while the sidecar is down (its status event was never seen).
      runs.setSilently('r1', 'converged', { result: 7 });

      const second = service({ db: openDb(), runs });
      await second.svc.start();
      await until(() => runs.recorded.length > 0);
      expect(rx.requests.map((r) => JSON.parse(r.body))).toEqual([
        expect.objectContaining({ runId: 'r1', status: 'converged', result: 7 }),
      ]);
    });

    it('a POST cut off mid-flight is sent again after a restart (at-least-once)', async () => {
      const rx = await receiver((n) => (n === 0 ? 'hang' : { status: 200 }));
      const runs = new FakeRuns();
      const first = service({ db: openDb(), runs, stopGraceMs: 20 });
      await first.svc.start();
      runs.set('r1', 'converged');
      await first.svc.register('r1', { url: rx.url });
      await until(() => rx.requests.length === 1);
      await first.svc.stop();
      expect((await first.svc.deliveries('r1'))[0]!.state).toBe('delivering');
      expect(runs.recorded).toEqual([]);

      const second = service({ db: openDb(), runs });
      await second.svc.start();
      await until(() => runs.recorded.length > 0);
      expect(rx.requests).toHaveLength(2);
      expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);
      expect((await second.svc.deliveries('r1'))[0]).toMatchObject({ state: 'delivered', attempts: 2 });
    });
  });
});
