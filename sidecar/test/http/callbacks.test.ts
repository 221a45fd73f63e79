import { verifyCallbackSignature } from '../../src/callbacks/signature';
import { startReceiver, type Receiver } from '../callbacks/receiver';
import { AUTH, TOKEN, makeHarness, waitFor, type Harness } from './harness';

describe('POST /v1/runs/:id/callbacks', () => {
  let h: Harness;
  let rx: Receiver;
  beforeEach(async () => {
    h = makeHarness();
    rx = await startReceiver(() => ({ status: 200 }));
  });
  afterEach(async () => {
    await h.close();
    await rx.close();
  });

  const register = (id: string, payload: unknown) =>
    h.app.inject({ method: 'POST', url: `/v1/runs/${id}/callbacks`, headers: AUTH, payload: payload as string });

  it('answers 201 with the registration, default events included', async () => {
    const run = h.engine.seed({ status: 'running' });
    const res = await register(run.id, { url: rx.url });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ id: expect.any(String), url: rx.url, events: ['converged', 'failed', 'cancelled'] });
    await new Promise((r) => setTimeout(r, 30));
    expect(rx.requests).toEqual([]);
  });

  it('delivers at once, signed with the token, when the run is already in a registered state', async () => {
    const run = h.engine.seed({ status: 'converged', result: { answer: 42 } });
    const res = await register(run.id, { url: rx.url, events: ['converged'] });
    expect(res.statusCode).toBe(201);
    await waitFor(() => rx.requests.length === 1);
    const [req] = rx.requests;
    expect(JSON.parse(req!.body)).toEqual({ runId: run.id, status: 'converged', result: { answer: 42 }, usage: run.usage });
    const path = new URL(rx.url).pathname;
    expect(
      verifyCallbackSignature(TOKEN, req!.headers['x-dw-timestamp'] as string, path, req!.body, req!.headers['x-dw-signature'] as string),
    ).toBe(true);
    await waitFor(async () => (await h.callbacks.deliveries(run.id))[0]?.state === 'delivered');
  });

  it("delivers later, when the run's status event says it reached the state", async () => {
    const run = h.engine.seed({ status: 'running' });
    await register(run.id, { url: rx.url, events: ['awaiting_approval'] });
    h.engine.setStatus(run.id, 'awaiting_approval');
    await waitFor(() => rx.requests.length === 1);
    expect(JSON.parse(rx.requests[0]!.body).status).toBe('awaiting_approval');
  });

  it('answers 404 for an unknown run and registers nothing', async () => {
    const res = await register('nope', { url: rx.url });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('run_not_found');
    expect(await h.callbacks.registrations('nope')).toEqual([]);
  });

  it.each([
    [{ url: 'javascript:alert(1)' }, /`url` must be an absolute http or https URL/],
    [{ url: '/relative' }, /`url`/],
    [{ url: 'http://127.0.0.1/x', events: [] }, /`events` must not be empty/],
    [{ url: 'http://127.0.0.1/x', events: ['running'] }, /`events\[0\]` must be one of/],
    [{ url: 'http://127.0.0.1/x', secret: 'x' }, /unknown field `secret`/],
    [{}, /`url` is required/],
  ])('rejects %j with 400', async (body, message) => {
    const run = h.engine.seed();
    const res = await register(run.id, body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(await h.callbacks.registrations(run.id)).toEqual([]);
  });
});
