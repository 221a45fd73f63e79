import http from 'node:http';
import { loadConfig, isLoopback } from '../../src/config/config';
import { isLoopbackHostHeader } from '../../src/http/auth';
import { SidecarProcess } from '../support/sidecar-process';

/** A request with a Host header of our choosing (fetch does not let a caller set it). */
function rawRequest(
  port: number,
  opts: { method: string; path: string; host: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: { host: opts.host, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.end(opts.body);
  });
}

describe('development mode answers loopback only', () => {
  it.each(['127.attacker.example', 'localhost.attacker.example', '0.0.0.0', '10.0.0.1', 'localhost'])(
    'DW_HOST=%s without a token is refused',
    (host) => {
      expect(isLoopback(host)).toBe(false);
      expect(() => loadConfig({ DW_DEV: '1', DW_HOST: host })).toThrow(/DW_TOKEN is required/);
    },
  );

  it.each(['127.0.0.1', '127.0.0.2', '::1', '[::1]'])('DW_HOST=%s without a token is allowed', (host) => {
    expect(isLoopback(host)).toBe(true);
    expect(loadConfig({ DW_DEV: '1', DW_HOST: host }).token).toBeNull();
  });

  it.each([
    ['localhost:7420', true],
    ['127.0.0.1:7420', true],
    ['[::1]:7420', true],
    ['127.0.0.1', true],
    ['rebind.attacker.example:7420', false],
    ['127.attacker.example', false],
    ['', false],
  ])('Host %s is loopback: %s', (host, yes) => {
    expect(isLoopbackHostHeader(host)).toBe(yes);
  });

  describe('the real sidecar without a token', () => {
    const sc = new SidecarProcess({ DW_DEV: '1', DW_TOKEN: '' });
    beforeAll(() => sc.start(), 60_000);
    afterAll(() => sc.kill());

    it('refuses a request whose Host is a rebound name with 421 untrusted_host, and starts nothing', async () => {
      const body = JSON.stringify({ task: 't', script: 'return 1;' });
      const attack = await rawRequest(sc.port, {
        method: 'POST',
        path: '/v1/runs',
        host: `rebind.attacker.example:${sc.port}`,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(attack.status).toBe(421);
      expect(JSON.parse(attack.body)).toMatchObject({ error: { code: 'untrusted_host' } });
      const list = await rawRequest(sc.port, { method: 'GET', path: '/v1/runs', host: `127.0.0.1:${sc.port}` });
      expect(list.status).toBe(200);
      expect(JSON.stringify(JSON.parse(list.body))).not.toContain('"task":"t"');
      const ok = await rawRequest(sc.port, {
        method: 'POST',
        path: '/v1/runs',
        host: `localhost:${sc.port}`,
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(ok.status).toBe(201);
    });
  });
});

describe('failed authentication is throttled per client address', () => {
  const sc = new SidecarProcess();
  beforeAll(() => sc.start(), 60_000);
  afterAll(() => sc.kill());

  const get = (authorization: string) => fetch(`${sc.url}/v1/runs`, { headers: { authorization } });

  it('after 10 wrong bearer tokens in a minute: 429 too_many_auth_failures with retry-after; the right token still gets in', async () => {
    for (let i = 0; i < 10; i++) expect((await get(`Bearer wrong-token-${i}-xxxxxxxxxxxx`)).status).toBe(401);
    const refused = await get('Bearer wrong-token-again-xxxxxxxxx');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_auth_failures' } });
    expect((await get(`Bearer ${sc.token}`)).status).toBe(200);
  });

  it('after 10 wrong tokens at sign-in: 429 too_many_auth_failures; the right token still signs in', async () => {
    const signIn = (token: string) =>
      fetch(`${sc.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    for (let i = 0; i < 10; i++) expect((await signIn(`wrong-${i}`)).status).toBe(401);
    const refused = await signIn('wrong-again');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ error: { code: 'too_many_auth_failures' } });
    const ok = await signIn(sc.token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ signedIn: true });
  });
});
