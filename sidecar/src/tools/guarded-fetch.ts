import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { checkAddress, namedAddresses, type SelfAddress } from './addresses';

export interface AddressRule {
  readonly allowedHosts: readonly string[];
  readonly self?: SelfAddress;
}

const defaultPort = (url: URL): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

/**
 * A GET whose socket only ever connects to an address the rule allows: the check runs in the
 * socket's own DNS lookup (and before connecting to an IP literal), so the address checked is
 * the address connected to and a rebinding between a check and the connect cannot slip by.
 */
export function guardedGet(url: URL, init: { signal: AbortSignal; headers: Record<string, string> }, rule: AddressRule): Promise<Response> {
  const port = defaultPort(url);
  const allowed = namedAddresses(rule.allowedHosts);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) checkAddress(host, port, host, allowed, rule.self);
  const lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      try {
        for (const a of addresses) checkAddress(a.address, port, hostname, allowed, rule.self);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      return callback(null, first.address, first.family);
    });
  };
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: init.headers, signal: init.signal, lookup, agent: false }, (res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const one of v) headers.append(k, one);
        else if (v !== undefined) headers.set(k, v);
      }
      const status = res.statusCode ?? 502;
      const nullBody = status === 204 || status === 304;
      if (nullBody) res.resume();
      resolve(
        new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          statusText: res.statusMessage ?? '',
          headers,
        }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}
