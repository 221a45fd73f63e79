import { verifyCallbackSignature } from '../../src/callbacks/signature';
import { startReceiver, type Receiver } from '../callbacks/receiver';
import { AUTH, TOKEN, makeHarness, waitFor, type Harness } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('POST /v1/callbacks (one callback for a group of runs)', () => {
  let h: Harness;
  let rx: Receiver;
  beforeEach(async () => {
    h = makeHarness({ callbacks: { maxGroupRuns: 50 } });
    rx = await startReceiver(() => ({ status: 200 }));
  });
  afterEach(async () => {
    await h.close();
    await rx.close();
  });

  const register = (payload: unknown) => h.app.inject({ method: 'POST', url: '/v1/callbacks', headers: AUTH, payload: payload as string });
  const bodies = () =>
    rx.requests.map((r) => JSON.parse(r.body) as { groupId: string; runs: Array<{ runId: string; status: string; ended: boolean }> });
  const seedRunning = (n: number) => Array.from({ length: n }, () => h.engine.seed({ status: 'running' }).id);

  it('wait all: one signed POST with every run once all have ended, none before', async () => {
    const ids = seedRunning(3);
    const res = await register({ runIds: ids, url: rx.url });
    expect(res.statusCode).toBe(201);
    const group = res.json();
    expect(group).toMatchObject({ runIds: ids, wait: 'all', state: 'open', met: false, url: rx.url.split('?')[0] });

    h.engine.setStatus(ids[0]!, 'converged');
    h.engine.setStatus(ids[1]!, 'failed');
    await sleep(50);
    expect(rx.requests).toEqual([]);
    h.engine.setStatus(ids[2]!, 'cancelled');
    await waitFor(() => rx.requests.length === 1);
    await sleep(50);

    expect(rx.requests).toHaveLength(1);
    const [req] = rx.requests;
    const path = new URL(rx.url).pathname;
    expect(
      verifyCallbackSignature(TOKEN, req!.headers['x-dw-timestamp'] as string, path, req!.body, req!.headers['x-dw-signature'] as string),
    ).toBe(true);
    expect(bodies()[0]).toMatchObject({
      groupId: group.id,
      wait: 'all',
      runIds: ids,
      runs: [
        { runId: ids[0], status: 'converged', ended: true },
        { runId: ids[1], status: 'failed', ended: true },
        { runId: ids[2], status: 'cancelled', ended: true },
      ],
    });
    await waitFor(async () => (await h.callbacks.group(group.id))?.state === 'delivered');
    const got = await h.app.inject({ method: 'GET', url: `/v1/callbacks/${group.id}`, headers: AUTH });
    expect(got.json()).toMatchObject({ id: group.id, state: 'delivered', met: true, attempts: 1, httpStatus: 200 });
    // Every run of the group shows the delivery in its events.
    for (const id of ids) expect(h.engine.stored.some((e) => e.runId === id && e.event.type === 'callback.delivered')).toBe(true);
  });

  it('wait any with count: resumes once N have ended, the others with their current status and ended false', async () => {
    const ids = seedRunning(4);
    expect((await register({ runIds: ids, url: rx.url, wait: 'any', count: 2 })).statusCode).toBe(201);
    h.engine.setStatus(ids[3]!, 'converged');
    await sleep(30);
    expect(rx.requests).toEqual([]);
    h.engine.setStatus(ids[1]!, 'failed');
    await waitFor(() => rx.requests.length === 1);
    h.engine.setStatus(ids[0]!, 'converged');
    await sleep(50);
    expect(rx.requests).toHaveLength(1);
    expect(bodies()[0]!.runs.map((r) => [r.status, r.ended])).toEqual([
      ['running', false],
      ['failed', true],
      ['running', false],
      ['converged', true],
    ]);
  });

  it('wait first: a failure does not resume; the first converged run does', async () => {
    const ids = seedRunning(3);
    await register({ runIds: ids, url: rx.url, wait: 'first' });
    h.engine.setStatus(ids[0]!, 'failed');
    await sleep(30);
    expect(rx.requests).toEqual([]);
    h.engine.setStatus(ids[2]!, 'converged');
    await waitFor(() => rx.requests.length === 1);
    expect(bodies()[0]!.runs.map((r) => r.status)).toEqual(['failed', 'running', 'converged']);
  });

  it('wait first: when every run ends without converging, the callback comes with all of them', async () => {
    const ids = seedRunning(2);
    await register({ runIds: ids, url: rx.url, wait: 'first' });
    h.engine.setStatus(ids[0]!, 'failed');
    h.engine.setStatus(ids[1]!, 'cancelled');
    await waitFor(() => rx.requests.length === 1);
    expect(bodies()[0]!.runs.map((r) => [r.status, r.ended])).toEqual([
      ['failed', true],
      ['cancelled', true],
    ]);
  });

  it('a condition already met is delivered at once, or (ifAlreadyMet: answer) answered with nothing registered', async () => {
    const done = h.engine.seed({ status: 'converged', result: { n: 1 } }).id;
    const answered = await register({ runIds: [done], url: `${rx.url}&a`, ifAlreadyMet: 'answer' });
    expect(answered.statusCode).toBe(200);
    expect(answered.json()).toMatchObject({
      met: true,
      payload: { groupId: null, runs: [{ runId: done, status: 'converged', result: { n: 1 }, ended: true }] },
    });
    await sleep(50);
    expect(rx.requests).toEqual([]);

    const delivered = await register({ runIds: [done], url: rx.url });
    expect(delivered.statusCode).toBe(201);
    expect(delivered.json()).toMatchObject({ met: true });
    await waitFor(() => rx.requests.length === 1);
  });

  it('keeps run order and repeats as registered; each distinct run appears once', async () => {
    const [a, b] = seedRunning(2);
    await register({ runIds: [b, a, b], url: rx.url });
    h.engine.setStatus(a!, 'converged');
    h.engine.setStatus(b!, 'converged');
    await waitFor(() => rx.requests.length === 1);
    const body = JSON.parse(rx.requests[0]!.body) as { runIds: string[]; runs: Array<{ runId: string }> };
    expect(body.runIds).toEqual([b, a, b]);
    expect(body.runs.map((r) => r.runId)).toEqual([b, a]);
  });

  it('the same group registered again answers 200 with it; another group for the same URL is 409 callback_group_exists', async () => {
    const ids = seedRunning(2);
    const first = await register({ runIds: ids, url: rx.url });
    const again = await register({ runIds: ids, url: rx.url });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const other = await register({ runIds: [ids[0]], url: rx.url });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('callback_group_exists');
  });

  it('answers 404 run_not_found naming the unknown runs, and registers nothing', async () => {
    const [known] = seedRunning(1);
    const res = await register({ runIds: [known, 'ghost-1', 'ghost-2'], url: rx.url });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toEqual({ code: 'run_not_found', message: 'No run with id ghost-1, ghost-2' });
    h.engine.setStatus(known!, 'converged');
    await sleep(50);
    expect(rx.requests).toEqual([]);
  });

  it('refuses more run ids than a group may name with 422 callback_group_limit', async () => {
    const ids = seedRunning(51);
    const res = await register({ runIds: ids, url: rx.url });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('callback_group_limit');
  });

  it.each([
    [{ runIds: [], url: 'http://127.0.0.1/x' }, /`runIds` must NOT have fewer than 1 items|runIds/],
    [{ runIds: ['a'] }, /`url` is required/],
    [{ runIds: ['a'], url: 'http://127.0.0.1/x', wait: 'most' }, /`wait` must be one of/],
    [{ runIds: ['a'], url: 'http://127.0.0.1/x', wait: 'all', count: 1 }, /`count` applies only/],
    [{ runIds: ['a'], url: 'http://127.0.0.1/x', wait: 'any', count: 2 }, /`count` to be an integer in 1..1/],
    [{ runIds: ['a'], url: 'http://127.0.0.1/x', wait: 'first', events: ['failed'] }, /must include converged/],
    [{ runIds: ['a'], url: 'http://127.0.0.1/x', extra: 1 }, /unknown field `extra`/],
  ])('rejects %j with 400 invalid_request', async (body, message) => {
    h.engine.seed({ id: 'a', status: 'running' });
    const res = await register(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(res.json().error.message).toMatch(message);
  });

  it('requires the token, and answers 404 callback_group_not_found for an unknown group', async () => {
    const noAuth = await h.app.inject({ method: 'POST', url: '/v1/callbacks', payload: { runIds: ['a'], url: rx.url } });
    expect(noAuth.statusCode).toBe(401);
    const missing = await h.app.inject({ method: 'GET', url: '/v1/callbacks/nope', headers: AUTH });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('callback_group_not_found');
  });
});
