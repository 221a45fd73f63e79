import { APP_SCRIPT } from '../../src/ui/assets';
import { cookieFrom, makePageHarness, TOKEN, type PageHarness } from './session-harness';

describe('live page: sign-in, page and assets', () => {
  let h: PageHarness;
  afterEach(async () => h.close());

  test('without a session, GET / is only a sign-in form: no script, nothing about runs', async () => {
    h = makePageHarness();
    const run = h.engine.seed({ task: 'Secret task about payroll' });
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('name="token"');
    expect(res.body).not.toContain('<script');
    expect(res.body).not.toContain(run.id);
    expect(res.body).not.toContain('payroll');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(h.engine.calls).toEqual([]);
  });

  test('without a session, the app script and the API answer 401', async () => {
    h = makePageHarness();
    h.engine.seed();
    expect((await h.app.inject({ method: 'GET', url: '/ui/app.js' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/v1/runs' })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/ui/app.css' })).statusCode).toBe(200);
  });

  test('a wrong token is refused and sets no cookie, over JSON and over the form', async () => {
    h = makePageHarness();
    const json = await h.app.inject({ method: 'POST', url: '/ui/session', payload: { token: `${TOKEN}x` } });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toEqual({ error: { code: 'unauthorized', message: 'Wrong token' } });
    expect(json.headers['set-cookie']).toBeUndefined();
    const form = await h.app.inject({
      method: 'POST',
      url: '/ui/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=nope',
    });
    expect(form.statusCode).toBe(401);
    expect(form.body).toContain('not the sidecar');
    expect(form.headers['set-cookie']).toBeUndefined();
    expect(h.page.sessions.size).toBe(0);
  });

  test('a missing token is a 400 naming the field', async () => {
    h = makePageHarness();
    const res = await h.app.inject({ method: 'POST', url: '/ui/session', payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('`token`') } });
  });

  test('the right token sets an httpOnly SameSite=Strict cookie and returns a CSRF token', async () => {
    h = makePageHarness();
    const res = await h.app.inject({ method: 'POST', url: '/ui/session', payload: { token: TOKEN } });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    const [pair, ...attrs] = setCookie.split('; ');
    expect(pair).toMatch(/^dw_session=[A-Za-z0-9_-]{43}$/);
    expect(attrs.sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
    const body = res.json() as { csrfToken: string; expiresAt: string };
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now());
    expect(setCookie).not.toContain(body.csrfToken);
  });

  test('the form sign-in redirects to the page, which then is the app with its CSRF token', async () => {
    h = makePageHarness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/ui/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=x&token=${encodeURIComponent(TOKEN)}`,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookie = cookieFrom(res);
    const page = await h.app.inject({ method: 'GET', url: '/', headers: { cookie } });
    expect(page.body).toContain(`/ui/app.js?v=${APP_SCRIPT.version}`);
    expect(page.body).toMatch(/<meta name="dw-csrf" content="[A-Za-z0-9_-]{43}">/);
    expect(page.body).not.toContain('name="token"');
    const js = await h.app.inject({ method: 'GET', url: `/ui/app.js?v=${APP_SCRIPT.version}`, headers: { cookie } });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toBe('private, max-age=31536000, immutable');
  });

  test('secureCookies marks the cookie Secure', async () => {
    h = makePageHarness({ secureCookies: true });
    const res = await h.app.inject({ method: 'POST', url: '/ui/session', payload: { token: TOKEN } });
    expect(String(res.headers['set-cookie']).split('; ')).toContain('Secure');
  });

  test('an unknown session cookie shows the sign-in form and is cleared', async () => {
    h = makePageHarness();
    const res = await h.app.inject({ method: 'GET', url: '/', headers: { cookie: 'dw_session=forged' } });
    expect(res.body).toContain('name="token"');
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
  });

  test('signing out ends the session: the cookie no longer opens the API', async () => {
    h = makePageHarness();
    const { cookie, csrf } = await h.signIn();
    expect((await h.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie } })).statusCode).toBe(200);
    const out = await h.app.inject({ method: 'POST', url: '/ui/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await h.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie } })).statusCode).toBe(401);
  });

  test('signing out needs the CSRF token too', async () => {
    h = makePageHarness();
    const { cookie } = await h.signIn();
    expect((await h.app.inject({ method: 'POST', url: '/ui/logout', headers: { cookie } })).statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie } })).statusCode).toBe(200);
  });

  test('in development mode (no token) the page is the app and the API is open', async () => {
    h = makePageHarness({ dev: true });
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('<meta name="dw-mode" content="dev">');
    expect((await h.app.inject({ method: 'GET', url: '/ui/app.js' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/runs' })).statusCode).toBe(200);
  });
});
