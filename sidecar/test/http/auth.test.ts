import type { FastifyRequest } from 'fastify';
import { createAuthenticate, tokenMatches } from '../../src/http/auth';
import { AUTH, TOKEN, makeHarness, testConfig, type Harness } from './harness';
import { ROUTES, concrete } from './routes-table';

describe('authentication', () => {
  // One server for all: rejected requests change nothing, which the engine-call assertions check.
  let h: Harness;
  let runId: string;
  beforeAll(() => {
    h = makeHarness();
    runId = h.engine.seed({ status: 'awaiting_approval' }).id;
  });
  afterAll(() => h.close());

  const guarded = ROUTES.filter((r) => !r.public);

  it.each(guarded.map((r) => [r.method, r.path]))('%s %s answers 401 without a token', async (method, path) => {
    const res = await h.app.inject({
      method: method as 'GET' | 'POST' | 'DELETE',
      url: concrete(path, runId),
      payload: method === 'POST' ? { task: 'x' } : undefined,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(h.engine.calls).toEqual([]);
  });

  it.each(guarded.map((r, i) => [r.method, r.path, i] as const))('%s %s answers 401 with a wrong token', async (method, path, i) => {
    // Each route from its own address: wrong tokens are throttled per address (tested below).
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      TOKEN,
      'Bearer',
      `Bearer  ${TOKEN} extra`,
    ]) {
      const res = await h.app.inject({
        method: method as 'GET' | 'POST' | 'DELETE',
        url: concrete(path, runId),
        headers: { authorization },
        remoteAddress: `10.0.1.${i}`,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    expect(h.engine.calls).toEqual([]);
  });

  it('names an invalid token in the challenge, so clients can tell it from a missing one', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: 'Bearer nope' } });
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('GET /healthz needs no token and reports the version', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, version: '9.9.9-test' });
  });

  it('accepts the token with any case of the Bearer scheme', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${runId}`, headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(res.statusCode).toBe(200);
    }
  });

  it('hides which routes exist from callers without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(401);
  });

  it('lets an extra authenticator (the live page session cookie) in', async () => {
    const withCookie = makeHarness({ server: { authenticators: [(req: FastifyRequest) => req.headers.cookie === 'dw_session=ok'] } });
    try {
      const ok = await withCookie.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie: 'dw_session=ok' } });
      expect(ok.statusCode).toBe(200);
      const bad = await withCookie.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie: 'dw_session=forged' } });
      expect(bad.statusCode).toBe(401);
      const bearer = await withCookie.app.inject({ method: 'GET', url: '/v1/runs', headers: AUTH });
      expect(bearer.statusCode).toBe(200);
    } finally {
      await withCookie.close();
    }
  });

  it('is off in development mode without a token', async () => {
    const dev = makeHarness({ config: testConfig({ DW_TOKEN: '', DW_DEV: '1' }) });
    try {
      const res = await dev.app.inject({ method: 'GET', url: '/v1/runs' });
      expect(res.statusCode).toBe(200);
    } finally {
      await dev.close();
    }
  });
});

describe('tokenMatches', () => {
  it('compares whole tokens of any length', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}a`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN.toUpperCase(), TOKEN)).toBe(false);
  });

  it('createAuthenticate with a null token lets everything in', async () => {
    const authenticate = createAuthenticate({ token: null });
    expect(await authenticate({ headers: {} } as FastifyRequest)).toBe(true);
  });
});
