import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConfigError } from '../errors/errors';
import { CallbackHostNotAllowedError } from './errors';

/** The sidecar's own listener: callbacks never go there, whatever is allowed. */
export interface SelfAddress {
  readonly host: string;
  readonly port: number;
}

/** Resolves a host name to all its addresses (dns.lookup, as a connection would). */
export type ResolveAll = (hostname: string) => Promise<readonly string[]>;

const resolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address))));
  });

const NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;
/** Used when DW_CALLBACK_HOSTS is unset in development mode (DW_DEV=1, loopback only, no token). */
const DEV_DEFAULT = ['localhost', '127.0.0.0/8', '::1'];

function bare(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** `::ffff:7f00:1` and `::ffff:127.0.0.1` are IPv4 addresses: they are checked as such. */
export function canonicalAddress(address: string): string {
  const a = bare(address);
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return a;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 4 ? 'ipv4' : 'ipv6';
}

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

function localAddresses(): Set<string> {
  const all = new Set<string>(['0.0.0.0', '::']);
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) all.add(canonicalAddress(i.address));
  return all;
}

/**
 * Where callbacks may go (DW_CALLBACK_HOSTS, comma separated): host names (`n8n.internal`, or
 * `*.example.com` for its subdomains) allow a URL naming that host, whatever it resolves to;
 * IP addresses and CIDR ranges (`10.0.0.5`, `10.0.0.0/8`, `::1`) allow any URL whose host
 * RESOLVES into them, checked on the address each connection actually uses (no DNS-rebinding
 * gap). Nothing else is allowed, and never the sidecar's own listener.
 */
export class CallbackHosts {
  private readonly names: readonly string[];
  private readonly networks = new BlockList();
  private readonly hasNetworks: boolean;

  constructor(
    readonly entries: readonly string[],
    private readonly self: () => SelfAddress | null = () => null,
    private readonly resolve: ResolveAll = resolveAll,
  ) {
    const names: string[] = [];
    let nets = 0;
    for (const raw of entries) {
      const entry = bare(raw);
      if (entry === '') continue;
      if (this.addNetwork(entry)) nets++;
      else if (NAME.test(entry)) names.push(entry);
      else throw new ConfigError(`DW_CALLBACK_HOSTS: ${JSON.stringify(raw)} is not a host name, IP address or CIDR range`);
    }
    this.names = names;
    this.hasNetworks = nets > 0;
  }

  /** The operator's list; in development mode an unset list allows loopback. */
  static fromConfig(
    config: { readonly callbackHosts: readonly string[]; readonly dev: boolean },
    self?: () => SelfAddress | null,
  ): CallbackHosts {
    return new CallbackHosts(config.callbackHosts.length === 0 && config.dev ? DEV_DEFAULT : config.callbackHosts, self);
  }

  /** Registration check: the URL's host is listed by name, or an address it resolves to now is in a listed range. */
  async check(url: URL): Promise<void> {
    const host = bare(url.hostname);
    const port = portOf(url);
    const literal = isIP(host) !== 0;
    if (!literal && this.nameAllowed(host)) {
      if (this.isSelfName(host, port)) throw this.refuse(url.host, 'it is the sidecar itself');
      return;
    }
    if (!literal && !this.hasNetworks) throw this.refuse(url.host);
    let addresses: readonly string[];
    try {
      addresses = literal ? [host] : await this.resolve(host);
    } catch {
      throw this.refuse(url.host, 'it does not resolve');
    }
    if (addresses.length === 0) throw this.refuse(url.host, 'it does not resolve');
    // Connections use only the allowed addresses (lookup below), so one allowed address is enough.
    const refusals = addresses.map((a) => this.addressRefusal(host, a, port));
    if (refusals.every((why) => why !== null)) throw this.refuse(url.host, refusals[0]!);
  }

  /** Why a connection to `address` for a URL naming `hostname` is refused, or null when it is allowed. */
  addressRefusal(hostname: string, address: string, port: number): string | null {
    const a = canonicalAddress(address);
    if (this.isSelf(a, port)) return 'it is the sidecar itself';
    if (this.nameAllowed(bare(hostname))) return null;
    if (isIP(a) !== 0 && this.networks.check(a, family(a))) return null;
    return `${a} is not in DW_CALLBACK_HOSTS`;
  }

  /** A `lookup` for http.request: resolves, then keeps only the addresses this policy allows for `port`. */
  lookup(port: number): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        const allowed = addresses.filter((a) => this.addressRefusal(hostname, a.address, port) === null);
        if (allowed.length === 0) {
          const why = addresses.length ? this.addressRefusal(hostname, addresses[0]!.address, port) : 'it does not resolve';
          return callback(this.refuse(hostname, why ?? undefined), '', 0);
        }
        if (options.all) return callback(null, allowed);
        return callback(null, allowed[0]!.address, allowed[0]!.family);
      });
    };
  }

  refuse(host: string, why?: string): CallbackHostNotAllowedError {
    const allowed = this.entries.length ? this.entries.join(', ') : 'none';
    return new CallbackHostNotAllowedError(
      `Callbacks may not go to ${host}${why ? ` (${why})` : ''}; the operator allows DW_CALLBACK_HOSTS: ${allowed}`,
    );
  }

  private nameAllowed(host: string): boolean {
    for (const entry of this.names) {
      if (entry.startsWith('*.')) {
        const suffix = entry.slice(1);
        if (host.endsWith(suffix) && host.length > suffix.length) return true;
      } else if (entry === host) {
        return true;
      }
    }
    return false;
  }

  private addNetwork(entry: string): boolean {
    const slash = entry.indexOf('/');
    const ip = canonicalAddress(slash < 0 ? entry : entry.slice(0, slash));
    const version = isIP(ip);
    if (version === 0) return false;
    if (slash < 0) {
      this.networks.addAddress(ip, family(ip));
      return true;
    }
    const prefix = Number(entry.slice(slash + 1));
    const max = version === 4 ? 32 : 128;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || !/^\d+$/.test(entry.slice(slash + 1))) {
      throw new ConfigError(`DW_CALLBACK_HOSTS: ${JSON.stringify(entry)} has an invalid prefix length (0..${max})`);
    }
    this.networks.addSubnet(ip, prefix, family(ip));
    return true;
  }

  private isSelf(address: string, port: number): boolean {
    const self = this.self();
    if (!self || self.port !== port) return false;
    return isLoopbackAddress(address) || canonicalAddress(self.host) === address || localAddresses().has(address);
  }

  private isSelfName(host: string, port: number): boolean {
    const self = this.self();
    return !!self && self.port === port && (host === 'localhost' || host === bare(self.host));
  }
}

export function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
