import { BlockList, isIP } from 'node:net';
import os from 'node:os';
import { HostNotAllowedError } from './errors';

/** Where the sidecar's own HTTP API listens (DW_HOST, DW_PORT). */
export interface SelfAddress {
  readonly host: string;
  readonly port: number;
}

const family = (ip: string): 'ipv4' | 'ipv6' => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');

/** Loopback, private, link-local (cloud metadata), CGNAT, unspecified and multicast ranges. */
const NON_PUBLIC = (() => {
  const b = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 3],
  ] as const) {
    b.addSubnet(net, bits, 'ipv4');
  }
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    b.addSubnet(net, bits, 'ipv6');
  return b;
})();

const LOOPBACK = (() => {
  const b = new BlockList();
  b.addSubnet('127.0.0.0', 8, 'ipv4');
  b.addAddress('::1', 'ipv6');
  return b;
})();

/** `::ffff:10.0.0.1` is 10.0.0.1 to the kernel: check it as such. */
function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

export function isNonPublic(ip: string): boolean {
  const a = unmap(ip);
  return NON_PUBLIC.check(a, family(a));
}

export function isLoopbackAddress(ip: string): boolean {
  const a = unmap(ip);
  return LOOPBACK.check(a, family(a));
}

/** Non-public addresses the operator named in DW_ALLOWED_HOSTS: IP literals, CIDR ranges, and `localhost` (loopback). */
export function namedAddresses(allowedHosts: readonly string[]): BlockList {
  const b = new BlockList();
  for (const raw of allowedHosts) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    if (entry === 'localhost') {
      b.addSubnet('127.0.0.0', 8, 'ipv4');
      b.addAddress('::1', 'ipv6');
      continue;
    }
    const [ip, bits] = entry.split('/');
    if (!ip || isIP(ip) === 0) continue;
    const prefix = bits === undefined ? (isIP(ip) === 6 ? 128 : 32) : Number(bits);
    if (Number.isInteger(prefix) && prefix >= 0 && prefix <= (isIP(ip) === 6 ? 128 : 32)) b.addSubnet(ip, prefix, family(ip));
  }
  return b;
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) out.add(i.address.toLowerCase());
  return out;
}

/**
 * Refuses a connection to `ip:port` that the allow-list does not cover: the sidecar's own
 * API (never, whatever the list says), and any non-public address (loopback, private,
 * link-local) unless the list names it as an IP, a CIDR range or `localhost`. Checked on the
 * resolved address at connect time, so a public name that resolves (or rebinds) to
 * 127.0.0.1 or 169.254.169.254 gets nowhere.
 */
export function checkAddress(ip: string, port: number, hostname: string, allowed: BlockList, self: SelfAddress | undefined): void {
  const a = unmap(ip.toLowerCase());
  if (self && port === self.port) {
    const selfHost = unmap(self.host.toLowerCase().replace(/^\[(.*)\]$/, '$1'));
    const anyInterface = selfHost === '0.0.0.0' || selfHost === '::';
    if (
      a === selfHost ||
      (isLoopbackAddress(a) && (anyInterface || isLoopbackAddress(selfHost) || selfHost === 'localhost')) ||
      (anyInterface && localAddresses().has(a))
    ) {
      throw new HostNotAllowedError(`${hostname}:${port} is the sidecar's own API, which http_get never reaches`);
    }
  }
  if (isNonPublic(a) && !allowed.check(a, family(a))) {
    throw new HostNotAllowedError(`${hostname} resolves to ${a}, a non-public address; allow it by IP or range in DW_ALLOWED_HOSTS`);
  }
}
