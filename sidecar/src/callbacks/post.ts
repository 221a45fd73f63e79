import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { CallbackHosts } from './hosts';
import { portOf } from './hosts';

/** What the service needs of one POST's answer. */
export interface PostAnswer {
  readonly status: number;
  /** At most `maxBodyBytes` of the body: enough to tell n8n's 409 messages apart. */
  readonly body: string;
  readonly retryAfter: string | null;
}

export interface PostRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** Sends one callback POST; rejects on network failures (and CallbackHostNotAllowedError). */
export type CallbackPoster = (url: string, req: PostRequest) => Promise<PostAnswer>;

/**
 * POSTs with node:http(s), connecting only to addresses `hosts` allows: an IP literal is
 * checked before connecting, a name through the request's own DNS lookup, so the address
 * checked is the address connected to. No keep-alive, no redirects followed.
 */
export function createPoster(hosts: CallbackHosts, maxBodyBytes = 4096): CallbackPoster {
  return (raw, req) =>
    new Promise<PostAnswer>((resolve, reject) => {
      const url = new URL(raw);
      const port = portOf(url);
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0) {
        const why = hosts.addressRefusal(host, host, port);
        if (why) return reject(hosts.refuse(url.host, why));
      }
      const send = url.protocol === 'https:' ? https.request : http.request;
      const request = send(url, {
        method: 'POST',
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        agent: false,
        lookup: hosts.lookup(port),
        signal: req.signal,
      });
      request.on('error', reject);
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8'),
            retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= maxBodyBytes) return;
          chunks.push(chunk);
          size += chunk.byteLength;
          // Enough read: never download a flood.
          if (size >= maxBodyBytes) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', (err) => (size >= maxBodyBytes ? undefined : reject(err)));
      });
      request.end(req.body);
    });
}
