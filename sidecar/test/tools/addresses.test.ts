import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAddress, isNonPublic, namedAddresses } from '../../src/tools/addresses';
import { HostNotAllowedError, runTool, type ToolContext } from '../../src/tools';

describe('the address http_get connects to', () => {
  it.each([
    '127.0.0.1',
    '127.9.9.9',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
  ])('%s is non-public', (ip) => {
    expect(isNonPublic(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700::1111', '172.32.0.1'])('%s is public', (ip) => {
    expect(isNonPublic(ip)).toBe(false);
  });

  it('a name allowed by name that resolves to a non-public address is refused (DNS rebinding)', () => {
    const allowed = namedAddresses(['api.example.com']);
    expect(() => checkAddress('127.0.0.1', 443, 'api.example.com', allowed, undefined)).toThrow(
      /resolves to 127\.0\.0\.1, a non-public address/,
    );
    expect(() => checkAddress('169.254.169.254', 80, 'api.example.com', allowed, undefined)).toThrow(HostNotAllowedError);
    expect(() => checkAddress('93.184.216.34', 443, 'api.example.com', allowed, undefined)).not.toThrow();
  });

  it('non-public addresses named by IP, range or localhost are reachable', () => {
    const allowed = namedAddresses(['10.0.0.0/8', '192.168.1.5', 'localhost', '[fd00::1]']);
    for (const ip of ['10.9.8.7', '192.168.1.5', '127.0.0.1', '::1', 'fd00::1'])
      expect(() => checkAddress(ip, 80, 'h', allowed, undefined)).not.toThrow();
    expect(() => checkAddress('192.168.1.6', 80, 'h', allowed, undefined)).toThrow(HostNotAllowedError);
  });

  it('the sidecar’s own listener is never reachable, whatever the list says', () => {
    const allowed = namedAddresses(['localhost', '127.0.0.0/8', '::1']);
    const self = { host: '127.0.0.1', port: 7420 };
    expect(() => checkAddress('127.0.0.1', 7420, 'localhost', allowed, self)).toThrow(/sidecar's own API/);
    expect(() => checkAddress('::1', 7420, 'localhost', allowed, self)).toThrow(/sidecar's own API/);
    expect(() => checkAddress('127.0.0.1', 7421, 'localhost', allowed, self)).not.toThrow();
    expect(() => checkAddress('127.0.0.2', 7420, 'x', allowed, { host: '0.0.0.0', port: 7420 })).toThrow(/sidecar's own API/);
  });

  it('http_get over a real socket: localhost reaches an allowed service but not the sidecar’s own port', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ctx = (self?: number): ToolContext => ({
        workspaceDir: null,
        allowWrite: false,
        allowedHosts: ['localhost'],
        ...(self ? { selfAddress: { host: '127.0.0.1', port: self } } : {}),
      });
      await expect(runTool('http_get', { url: `http://localhost:${port}/` }, ctx())).resolves.toMatch(/^HTTP 200 OK[\s\S]*\nok$/);
      await expect(runTool('http_get', { url: `http://localhost:${port}/` }, ctx(port))).rejects.toMatchObject({
        code: 'host_not_allowed',
        message: expect.stringContaining("sidecar's own API"),
      });
      const byName = { workspaceDir: null, allowWrite: false, allowedHosts: ['127.0.0.1'] };
      await expect(runTool('http_get', { url: `http://localhost:${port}/` }, byName)).rejects.toMatchObject({ code: 'host_not_allowed' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
