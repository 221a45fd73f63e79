import type { LookupAddress } from 'node:dns';
import { CallbackHosts, canonicalAddress } from '../../src/callbacks/hosts';

const at =
  (...addresses: string[]) =>
  async () =>
    addresses;
const self = () => ({ host: '127.0.0.1', port: 7420 });

/** Runs a policy's connection-time lookup the way http.request does (all: true). */
function connectLookup(hosts: CallbackHosts, hostname: string, port: number): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    hosts.lookup(port)(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses as LookupAddress[])));
  });
}

describe('CallbackHosts (DW_CALLBACK_HOSTS)', () => {
  it('allows nothing when the list is empty, outside development mode', async () => {
    const hosts = CallbackHosts.fromConfig({ callbackHosts: [], dev: false });
    for (const url of ['http://127.0.0.1:5678/x', 'http://localhost:5678/x', 'https://example.com/x']) {
      await expect(hosts.check(new URL(url))).rejects.toMatchObject({ code: 'callback_host_not_allowed', status: 400 });
    }
  });

  it('allows loopback in development mode when unset, but never the sidecar itself', async () => {
    const hosts = CallbackHosts.fromConfig({ callbackHosts: [], dev: true }, self);
    await expect(hosts.check(new URL('http://127.0.0.1:5678/webhook-waiting/1'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('http://localhost:5678/webhook-waiting/1'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('http://127.0.0.1:7420/v1/runs'))).rejects.toThrow(/sidecar itself/);
    await expect(hosts.check(new URL('http://localhost:7420/v1/runs'))).rejects.toThrow(/sidecar itself/);
    await expect(hosts.check(new URL('https://example.com/x'))).rejects.toMatchObject({ code: 'callback_host_not_allowed' });
  });

  it('a listed name allows that name (and *.suffix its subdomains), not others that resolve alike', async () => {
    const hosts = new CallbackHosts(['n8n.internal', '*.example.com'], () => null, at('10.0.0.5'));
    await expect(hosts.check(new URL('http://n8n.internal:5678/x'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('https://a.example.com/x'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('https://example.com/x'))).rejects.toThrow(/example\.com/);
    await expect(hosts.check(new URL('http://other.internal/x'))).rejects.toMatchObject({ code: 'callback_host_not_allowed' });
    await expect(hosts.check(new URL('http://10.0.0.5/x'))).rejects.toMatchObject({ code: 'callback_host_not_allowed' });
  });

  it('IP and CIDR entries allow hosts by the address they resolve to; decimal and mapped forms are the same address', async () => {
    const hosts = new CallbackHosts(['10.0.0.0/8', '::1'], () => null, at('10.1.2.3'));
    await expect(hosts.check(new URL('http://n8n.corp/x'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('http://10.200.0.1/x'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('http://[::1]:5678/x'))).resolves.toBeUndefined();
    await expect(hosts.check(new URL('http://167772161/x'))).resolves.toBeUndefined(); // 10.0.0.1
    await expect(hosts.check(new URL('http://2130706433/x'))).rejects.toThrow(/127\.0\.0\.1 is not in DW_CALLBACK_HOSTS/);
    await expect(hosts.check(new URL('http://[::ffff:127.0.0.1]/x'))).rejects.toThrow(/127\.0\.0\.1/);
    await expect(hosts.check(new URL('http://0x7f.1/x'))).rejects.toThrow(/127\.0\.0\.1/);
    expect(canonicalAddress('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(canonicalAddress('[::FFFF:10.0.0.1]')).toBe('10.0.0.1');
  });

  it('checks the address each connection uses (no DNS-rebinding gap): a name that resolved into the list at registration may not connect elsewhere', async () => {
    // At registration "localhost" answered 10.1.2.3 (allowed); when connecting it answers loopback.
    const hosts = new CallbackHosts(['10.0.0.0/8'], () => null, at('10.1.2.3'));
    await expect(hosts.check(new URL('http://localhost:5678/x'))).resolves.toBeUndefined();
    await expect(connectLookup(hosts, 'localhost', 5678)).rejects.toMatchObject({ code: 'callback_host_not_allowed' });
  });

  it("the connection lookup keeps only allowed addresses, and never the sidecar's own port", async () => {
    const hosts = new CallbackHosts(['127.0.0.1'], self);
    await expect(connectLookup(hosts, 'localhost', 5678)).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(connectLookup(hosts, 'localhost', 7420)).rejects.toThrow(/sidecar itself/);
  });

  it.each([['*'], ['10.0.0.0/33'], ['http://x'], ['a b']])('refuses the entry %j at startup', (entry) => {
    expect(() => new CallbackHosts([entry])).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});
