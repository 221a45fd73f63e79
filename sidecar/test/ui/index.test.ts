import { attachLivePage } from '../../src/ui';
import { makeHarness, testConfig } from '../http/harness';
import { makePageHarness, type PageHarness } from './session-harness';

describe('live page session authenticator', () => {
  let h: PageHarness | null = null;
  afterEach(async () => {
    await h?.close();
    h = null;
  });

  test('the cookie opens GET requests and the event stream without a CSRF header', async () => {
    h = makePageHarness();
    const run = h.engine.seed();
    const { cookie } = await h.signIn();
    const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: run.id });
  });

  test('the cookie without the CSRF header is refused on POST, and the engine is not called', async () => {
    h = makePageHarness();
    const run = h.engine.seed();
    const { cookie } = await h.signIn();
    const res = await h.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/cancel`, headers: { cookie } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(h.engine.calls.filter((c) => c.method === 'cancel')).toEqual([]);
    expect(h.engine.getNow(run.id).status).toBe('running');
  });

  test('a form post from another site (cookie, no header, form body) is refused before parsing', async () => {
    h = makePageHarness();
    const run = h.engine.seed();
    const { cookie } = await h.signIn();
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/runs/${run.id}/cancel`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: 'reason=x',
    });
    expect(res.statusCode).toBe(401);
    expect(h.engine.getNow(run.id).status).toBe('running');
  });

  test("a wrong CSRF token, or another session's, is refused", async () => {
    h = makePageHarness();
    const run = h.engine.seed();
    const a = await h.signIn();
    const b = await h.signIn();
    for (const csrf of ['nope', b.csrf]) {
      const res = await h.app.inject({
        method: 'POST',
        url: `/v1/runs/${run.id}/pause`,
        headers: { cookie: a.cookie, 'x-csrf-token': csrf },
      });
      expect(res.statusCode).toBe(401);
    }
    expect(h.engine.calls.filter((c) => c.method === 'pause')).toEqual([]);
  });

  test('cookie and CSRF header together work for every action the page takes', async () => {
    h = makePageHarness();
    const { cookie, csrf } = await h.signIn();
    const headers = { cookie, 'x-csrf-token': csrf };
    const awaiting = h.engine.seed({ status: 'awaiting_approval' });
    const running = h.engine.seed();
    const approve = await h.app.inject({
      method: 'POST',
      url: `/v1/runs/${awaiting.id}/approve`,
      headers,
      payload: { approved: true, comment: 'ok' },
    });
    expect(approve.statusCode).toBe(200);
    expect(approve.json()).toMatchObject({ status: 'running', approval: { approved: true, comment: 'ok' } });
    expect((await h.app.inject({ method: 'POST', url: `/v1/runs/${running.id}/pause`, headers })).statusCode).toBe(200);
    expect(
      (await h.app.inject({ method: 'POST', url: `/v1/runs/${running.id}/cancel`, headers, payload: { reason: 'page' } })).json(),
    ).toMatchObject({ status: 'cancelled' });
    const rerun = await h.app.inject({ method: 'POST', url: `/v1/runs/${running.id}/rerun`, headers, payload: { script: 'return 2;' } });
    expect(rerun.statusCode).toBe(201);
    expect(h.engine.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['approve', 'pause', 'cancel', 'rerun']));
  });

  test('an expired session is refused everywhere', async () => {
    let now = Date.now();
    h = makePageHarness({ sessionTtlMs: 60_000, now: () => now });
    const { cookie, csrf } = await h.signIn();
    now += 60_001;
    expect((await h.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: '/ui/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/', headers: { cookie } })).body).toContain('name="token"');
  });

  test('the bearer token keeps working beside the page', async () => {
    h = makePageHarness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: `Bearer ${testConfig().token}` } });
    expect(res.statusCode).toBe(200);
  });

  test('attachLivePage gives buildServer a plugin and an authenticator for the configured token', async () => {
    const config = testConfig();
    const deps = attachLivePage(config);
    const harness = makeHarness({ config, server: deps });
    try {
      const res = await harness.app.inject({ method: 'POST', url: '/ui/session', payload: { token: config.token } });
      expect(res.statusCode).toBe(200);
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      expect((await harness.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie } })).statusCode).toBe(200);
    } finally {
      await harness.close();
    }
  });
});
