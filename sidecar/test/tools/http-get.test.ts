import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpGetTool, HostNotAllowedError, isHostAllowed, runTool, ToolFailedError, type ToolContext } from '../../src/tools';

let server: http.Server;
let port: number;
let hits: string[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/hello':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('hello from the test server');
        return;
      case '/same-host-redirect':
        res.writeHead(302, { location: '/hello' });
        res.end();
        return;
      case '/other-host-redirect':
        res.writeHead(302, { location: `http://localhost:${port}/hello` });
        res.end();
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('b'.repeat(10_000));
        return;
      case '/slow':
        setTimeout(() => res.end('late'), 2000).unref();
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here');
        return;
      default:
        res.writeHead(500);
        res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
beforeEach(() => {
  hits = [];
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const ctx = (allowedHosts: string[]): ToolContext => ({ workspaceDir: null, allowWrite: false, allowedHosts });

describe('http_get', () => {
  it('fetches from an allowed host and returns status, type and text', async () => {
    const out = await runTool('http_get', { url: `http://127.0.0.1:${port}/hello` }, ctx(['127.0.0.1']));
    expect(out).toBe('HTTP 200 OK\ncontent-type: text/plain; charset=utf-8\n\nhello from the test server');
  });

  it('returns error statuses as text rather than throwing', async () => {
    const out = await runTool('http_get', { url: `http://127.0.0.1:${port}/missing` }, ctx(['127.0.0.1']));
    expect(out).toMatch(/^HTTP 404/);
    expect(out).toContain('not here');
  });

  it('refuses a host that is not allowed, without sending anything', async () => {
    await expect(runTool('http_get', { url: `http://localhost:${port}/hello` }, ctx(['127.0.0.1']))).rejects.toBeInstanceOf(
      HostNotAllowedError,
    );
    await expect(runTool('http_get', { url: `http://127.0.0.1:${port}/hello` }, ctx([]))).rejects.toBeInstanceOf(HostNotAllowedError);
    expect(hits).toEqual([]);
  });

  it('refuses non-http schemes and URLs with credentials', async () => {
    await expect(runTool('http_get', { url: 'file:///etc/passwd' }, ctx(['127.0.0.1']))).rejects.toBeInstanceOf(HostNotAllowedError);
    await expect(runTool('http_get', { url: `http://u:p@127.0.0.1:${port}/hello` }, ctx(['127.0.0.1']))).rejects.toBeInstanceOf(
      HostNotAllowedError,
    );
    await expect(runTool('http_get', { url: 'not a url' }, ctx(['127.0.0.1']))).rejects.toBeInstanceOf(ToolFailedError);
  });

  it('follows a redirect on the same host', async () => {
    const out = await runTool('http_get', { url: `http://127.0.0.1:${port}/same-host-redirect` }, ctx(['127.0.0.1']));
    expect(out).toContain('hello from the test server');
    expect(hits).toEqual(['/same-host-redirect', '/hello']);
  });

  it('does not follow a redirect to another host, even an allowed one', async () => {
    const err: unknown = await runTool(
      'http_get',
      { url: `http://127.0.0.1:${port}/other-host-redirect` },
      ctx(['127.0.0.1', 'localhost']),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostNotAllowedError);
    expect((err as Error).message).toMatch(/Redirect to another host/);
    expect(hits).toEqual(['/other-host-redirect']);
  });

  it('truncates large bodies', async () => {
    const tool = createHttpGetTool({ maxBytes: 1000 });
    const out = await tool.run({ url: `http://127.0.0.1:${port}/big` }, ctx(['127.0.0.1']));
    const body = out.split('\n\n')[1]!;
    expect(body).toBe(`${'b'.repeat(1000)}\n[body truncated at 1000 bytes]`);
  });

  it('gives up on a slow server after its time limit', async () => {
    const tool = createHttpGetTool({ timeoutMs: 200 });
    const started = Date.now();
    await expect(tool.run({ url: `http://127.0.0.1:${port}/slow` }, ctx(['127.0.0.1']))).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('uses the injected fetch when the context has one', async () => {
    const seen: string[] = [];
    const fake = (async (input: string | URL | Request) => {
      seen.push(String(input));
      return new Response('injected', { status: 200, headers: { 'content-type': 'text/plain' } });
    }) as typeof fetch;
    const out = await runTool('http_get', { url: 'https://api.example.test/v1' }, { ...ctx(['*.example.test']), fetch: fake });
    expect(out).toContain('injected');
    expect(seen).toEqual(['https://api.example.test/v1']);
  });
});

describe('isHostAllowed', () => {
  it('matches exact hosts case-insensitively', () => {
    expect(isHostAllowed('API.Example.com', ['api.example.com'])).toBe(true);
    expect(isHostAllowed('example.com', ['api.example.com'])).toBe(false);
    expect(isHostAllowed('api.example.com.evil.net', ['api.example.com'])).toBe(false);
  });

  it('matches *.suffix entries for subdomains only', () => {
    expect(isHostAllowed('a.b.example.com', ['*.example.com'])).toBe(true);
    expect(isHostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(isHostAllowed('badexample.com', ['*.example.com'])).toBe(false);
  });

  it('treats a bare * as no wildcard and handles IPv6 brackets', () => {
    expect(isHostAllowed('anything.com', ['*'])).toBe(false);
    expect(isHostAllowed('[::1]', ['::1'])).toBe(true);
  });
});
