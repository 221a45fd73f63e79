import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, RunCancelledError } from '../errors/errors';
import type { Message, MessageParams, ModelProvider } from '../providers/types';

/** How one model call is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 8 */
  readonly retries: number;
  /** First backoff step when the provider gave no retry-after. @default 500 */
  readonly baseMs: number;
  /** Longest single wait. @default 30_000 */
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 8, baseMs: 500, maxMs: 30_000 };

export interface ModelCallHooks {
  /** Awaited before each attempt: a cluster-wide cool-down after push-back seen by any sidecar. */
  beforeCall?(signal: AbortSignal): Promise<void>;
  /** The provider pushed back (429/529): the run lowers its concurrency. */
  onPushback?(retryAfterMs: number | undefined): void;
  onSuccess?(): void;
  onRetry?(attempt: number, reason: string, delayMs: number): void;
  /** Observed model errors, by kind (metrics). */
  onError?(kind: string): void;
  /** Deterministic tests inject randomness; production uses Math.random. */
  random?: () => number;
}

/**
 * One Messages API call with retries: honours retry-after when the provider sends it,
 * otherwise exponential backoff with full jitter, so many agents that failed together do
 * not come back together. Non-retryable errors (4xx other than 429) are thrown at once.
 */
export async function callModel(
  provider: ModelProvider,
  params: MessageParams,
  signal: AbortSignal,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: ModelCallHooks = {},
): Promise<Message> {
  const random = hooks.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw abortError(signal);
    if (hooks.beforeCall) {
      try {
        await hooks.beforeCall(signal);
      } catch {
        throw abortError(signal);
      }
    }
    try {
      const msg = await provider.createMessage(params, signal);
      hooks.onSuccess?.();
      return msg;
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      if (!(err instanceof ProviderError)) throw err;
      hooks.onError?.(err.kind);
      if (!err.retryable || attempt >= policy.retries) throw err;
      const pushback = err.kind === 'rate_limited' || err.kind === 'overloaded';
      if (pushback) hooks.onPushback?.(err.retryAfterMs);
      const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
      const delay =
        err.retryAfterMs !== undefined
          ? Math.min(policy.maxMs, err.retryAfterMs) + Math.floor(random() * Math.min(1000, err.retryAfterMs * 0.2 + 50))
          : Math.floor(random() * backoff);
      hooks.onRetry?.(attempt + 1, `${err.kind}${err.httpStatus ? ` (${err.httpStatus})` : ''}`, delay);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw abortError(signal);
      }
    }
  }
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  return new RunCancelledError();
}
