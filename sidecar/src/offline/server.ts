import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../errors/errors';
import { OfflineApiError } from './api-error';
import type { OfflineKnobs } from './knobs';
import { OfflineModel, type OfflineModelOptions } from './model';
import { route, type OfflineRequest, type OfflineResponse } from './routes';
import { encodeSse } from './sse';
import type { Observations } from './observations';
import type { OfflineStats } from './stats';

export interface OfflineModelServerOptions extends OfflineModelOptions {
  /** Largest request body in bytes; a larger one answers 413 request_too_large. @default 33_554_432 (32 MiB, the Messages API's limit) */
  readonly maxBodyBytes?: number;
}

/** The offline model on a node:http server: give `url` to the SDK as `baseURL`. */
export interface OfflineModelServer {
  /** Starts listening. @default port 0 (any free port), host '127.0.0.1' */
  listen(port?: number, host?: string): Promise<{ url: string }>;
  /** Stops listening and closes open connections (in-flight requests are cut). */
  close(): Promise<void>;
  stats(): OfflineStats;
  /** Each message request since start or reset (arrival, end, in flight, outcome, retry-after). */
  observations(): Observations;
  knobs(): OfflineKnobs;
  setKnobs(partial: Partial<OfflineKnobs>): OfflineKnobs;
  /** Zeroes stats, the request ordinal and the prompt cache (and the knobs with `{knobs: true}`). */
  reset(opts?: { readonly knobs?: boolean }): void;
  /** The same routes without a socket (a `drop` answer is returned, not performed). */
  inject(req: OfflineRequest): Promise<OfflineResponse>;
  /** The base URL once listening, else null. */
  readonly url: string | null;
  readonly model: OfflineModel;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

export function createOfflineModelServer(opts: OfflineModelServerOptions = {}): OfflineModelServer {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024)
    throw new ValidationError(`Expected \`maxBodyBytes\` to be an integer of at least 1024, got ${String(maxBodyBytes)}`);
  const model = new OfflineModel(opts);
  const server = http.createServer((req, res) => {
    handle(model, maxBodyBytes, req, res).catch(() => res.destroy());
  });
  let url: string | null = null;

  return {
    get url() {
      return url;
    },
    model,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const addr = server.address() as AddressInfo;
          url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
          resolve({ url });
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        url = null;
      });
    },
    stats: () => model.stats(),
    observations: () => model.observations(),
    knobs: () => model.knobs(),
    setKnobs: (partial) => model.setKnobs(partial),
    reset: (o) => model.reset(o),
    inject: (req) => route(model, req),
  };
}

async function handle(model: OfflineModel, maxBodyBytes: number, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
  });
  let body: string;
  try {
    body = await readBody(req, maxBodyBytes);
  } catch (err) {
    if (!(err instanceof OfflineApiError)) return void res.destroy();
    res.writeHead(err.status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(err.body(model.nextRequestId())));
    return;
  }
  const out = await route(model, { method: req.method ?? 'GET', path: req.url ?? '/', body, signal: abort.signal });
  if (out.kind === 'drop') {
    // A dropped connection, as a flaky network or a crashed edge proxy produces it.
    req.socket.destroy();
    return;
  }
  if (res.destroyed) return;
  if (out.kind === 'json') {
    res.writeHead(out.status, out.headers);
    res.end(JSON.stringify(out.body));
    return;
  }
  res.writeHead(out.status, out.headers);
  for (const e of out.events) res.write(encodeSse(e));
  res.end();
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        reject(new OfflineApiError('request_too_large', `Request body exceeds ${max} bytes (maxBodyBytes)`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
