import { abortReason } from '../core/abort';
import { HostNotAllowedError, ToolFailedError } from './errors';
import { defineTool } from './define';
import { isHostAllowed } from './hosts';
import { guardedGet } from './guarded-fetch';
import { looksBinary, truncateUtf8 } from './text';
import type { ToolDefinition } from './types';

export interface HttpGetToolOptions {
  /** Time one request may take, headers and body, from the first request sent. @default 15_000 */
  readonly timeoutMs?: number;
  /** Most body bytes read; the rest is not downloaded. @default 262_144 */
  readonly maxBytes?: number;
  /** Same-host redirects followed. @default 5 */
  readonly maxRedirects?: number;
}

interface HttpGetInput {
  url: string;
}

async function readCapped(res: Response, maxBytes: number): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (!res.body) return { body: new Uint8Array(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > maxBytes) {
        truncated = true;
        break;
      }
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const all = Buffer.concat(chunks);
  return { body: all.subarray(0, Math.min(all.length, maxBytes)), truncated };
}

function checkUrl(raw: string, allowedHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolFailedError(`Not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HostNotAllowedError(`Only http and https URLs are allowed, got ${url.protocol}`);
  if (url.username || url.password) throw new HostNotAllowedError('URLs with credentials are refused');
  if (!isHostAllowed(url.hostname, allowedHosts)) {
    throw new HostNotAllowedError(`Host ${url.hostname} is not in this run's allowed hosts (DW_ALLOWED_HOSTS)`);
  }
  return url;
}

export function createHttpGetTool(options: HttpGetToolOptions = {}): ToolDefinition {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  return defineTool<HttpGetInput>({
    name: 'http_get',
    description:
      'Fetch a URL with HTTP GET and return the status, content type and body as text. ' +
      'Only hosts the operator allowed are reachable (a private or loopback address only when allowed by IP or range, never the sidecar itself); ' +
      'redirects are followed only within the same host. ' +
      `At most ${Math.round(maxBytes / 1024)} KB of the body are returned; requests time out after ${timeoutMs / 1000} s.`,
    inputSchema: {
      type: 'object',
      properties: { url: { type: 'string', minLength: 1, maxLength: 4096, description: 'An http(s) URL on an allowed host' } },
      required: ['url'],
      additionalProperties: false,
    },
    async run(input, ctx) {
      const first = checkUrl(input.url, ctx.allowedHosts);
      const headers = { accept: 'text/*, application/json;q=0.9, */*;q=0.5', 'user-agent': 'dynamic-workflows-sidecar' };
      const rule = { allowedHosts: ctx.allowedHosts, ...(ctx.selfAddress ? { self: ctx.selfAddress } : {}) };
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
      let url = first;
      try {
        for (let hop = 0; ; hop++) {
          const res = ctx.fetch
            ? await ctx.fetch(url, { method: 'GET', redirect: 'manual', signal, headers })
            : await guardedGet(url, { signal, headers }, rule);
          const location = res.headers.get('location');
          if (res.status >= 300 && res.status < 400 && location) {
            await res.body?.cancel().catch(() => undefined);
            const next = new URL(location, url);
            if (next.host !== first.host || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
              throw new HostNotAllowedError(`Redirect to another host refused: ${next.protocol}//${next.host}`);
            }
            if (hop >= maxRedirects) throw new ToolFailedError(`Too many redirects (more than ${maxRedirects})`);
            url = next;
            continue;
          }
          const { body, truncated } = await readCapped(res, maxBytes);
          const type = res.headers.get('content-type') ?? 'unknown';
          const head = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}\ncontent-type: ${type}\n`;
          if (looksBinary(body.subarray(0, 8192))) return `${head}\n[binary body, ${body.byteLength}${truncated ? '+' : ''} bytes]`;
          const text = truncateUtf8(new TextDecoder('utf-8').decode(body), maxBytes).text;
          return `${head}\n${text}${truncated ? `\n[body truncated at ${maxBytes} bytes]` : ''}`;
        }
      } catch (err) {
        if (ctx.signal?.aborted) throw abortReason(ctx.signal);
        if (err instanceof HostNotAllowedError || err instanceof ToolFailedError) throw err;
        if (timeout.aborted) throw new ToolFailedError(`http_get timed out after ${timeoutMs} ms: ${url.href}`);
        const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
        throw new ToolFailedError(`http_get failed for ${url.href}: ${err instanceof Error ? err.message : String(err)}${cause}`);
      }
    },
  });
}

export const httpGetTool = createHttpGetTool();
