import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { retryAfterMs } from '../core/retry-after';
import { ProviderError, type ProviderErrorKind } from '../errors/errors';
import type { ProviderName } from './types';
import { redact } from './redact';

/** Keeps run records and logs readable when a proxy answers with a whole HTML page. */
const MAX_MESSAGE_CHARS = 500;

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Milliseconds the provider asks us to wait (see core/retry-after); undefined when it does not say. */
export function parseRetryAfter(headers: Headers | null | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  return retryAfterMs({ retryAfterMs: headers.get('retry-after-ms'), retryAfter: headers.get('retry-after') }, now) ?? undefined;
}

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'server';
  if (status === 401 || status === 403) return 'auth';
  return 'bad_request';
}

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Walks `cause` chains: undici hides the socket error two levels down. */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && chain.length < 6) {
    chain.push(cur);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return chain;
}

function transportKind(err: unknown): ProviderErrorKind | undefined {
  for (const e of causes(err)) {
    const code = errorCode(e);
    if (code && TIMEOUT_CODES.has(code)) return 'timeout';
    if (e instanceof Error && (e.name === 'TimeoutError' || /timed? ?out/i.test(e.message))) return 'timeout';
    if (code && CONNECTION_CODES.has(code)) return 'connection';
    if (e instanceof Error && /socket hang up|fetch failed|other side closed|terminated/i.test(e.message)) return 'connection';
  }
  return undefined;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}…` : s;
}

/**
 * Turns whatever an SDK call threw into a ProviderError with a kind the engine can act on.
 * The message never carries a credential: known secrets and key-shaped text are masked,
 * and the original error is not attached as `cause` (its request headers could be logged).
 */
export function toProviderError(err: unknown, provider: ProviderName, secrets: readonly (string | undefined | null)[]): ProviderError {
  if (err instanceof ProviderError) return err;
  const say = (text: string): string => clip(redact(`${provider}: ${text}`, secrets));

  if (err instanceof APIConnectionTimeoutError) return new ProviderError('timeout', say(err.message));
  if (err instanceof APIConnectionError) {
    const kind = transportKind(err.cause) ?? 'connection';
    const detail = err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
    return new ProviderError(kind, say(detail));
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const kind = kindForStatus(err.status);
    const retryAfterMs = parseRetryAfter(err.headers);
    const detail = err.apiMessage ? `${err.status} ${err.apiMessage}` : err.message;
    return new ProviderError(kind, say(detail), { httpStatus: err.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  const message = err instanceof Error ? err.message : String(err);
  const transport = transportKind(err);
  if (transport) return new ProviderError(transport, say(message));
  if (/credential|authenticat|unauthori[sz]ed|api[ _-]?key|access token/i.test(message)) return new ProviderError('auth', say(message));
  return new ProviderError('bad_request', say(message));
}
