import { retryAfterMs } from '../core/retry-after';
import { CallbackHostNotAllowedError } from './errors';
import type { RetryOptions } from './types';

/** What one POST to a callback URL means for its delivery. */
export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly httpStatus: number }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly httpStatus: number | null;
      readonly retryAfterMs: number | null;
      /** n8n's 409 "is running already": the execution is about to be saved as waiting, so the retry comes soon. */
      readonly notYetWaiting?: true;
    }
  | { readonly kind: 'final'; readonly reason: string; readonly httpStatus: number | null };

// n8n's waiting-webhook handler answers 409 in two situations that must be told apart: the
// execution has not been saved as waiting yet (transient, the Wait node is still suspending it)
// and the execution was already resumed (the resume URL is single-use: retrying is pointless).
const N8N_NOT_YET_WAITING = /is running already/i;
const N8N_ALREADY_RESUMED = /has finished already/i;

// Statuses a receiver uses for "try again later" even though they are 4xx.
const TRANSIENT_4XX = new Set([408, 425, 429]);

export function classifyResponse(httpStatus: number, body: string, retryAfter: string | null, now: number): DeliveryOutcome {
  if (httpStatus >= 200 && httpStatus < 300) return { kind: 'delivered', httpStatus };
  // The status code only: the receiver's answer never reaches the run's events (no read primitive).
  const reason = `HTTP ${httpStatus}`;
  if (httpStatus === 409) {
    if (N8N_ALREADY_RESUMED.test(body)) return { kind: 'final', reason: `${reason} (n8n: the execution has finished already)`, httpStatus };
    if (N8N_NOT_YET_WAITING.test(body))
      return {
        kind: 'retry',
        reason: `${reason} (n8n: the execution is not waiting yet)`,
        httpStatus,
        retryAfterMs: null,
        notYetWaiting: true,
      };
    return { kind: 'final', reason, httpStatus };
  }
  if (httpStatus >= 500 || TRANSIENT_4XX.has(httpStatus)) {
    return { kind: 'retry', reason, httpStatus, retryAfterMs: retryAfterMs({ retryAfter }, now) };
  }
  if (httpStatus >= 300 && httpStatus < 400) {
    // Redirects are not followed: a POST to a redirected resume URL is not what n8n handed out.
    return { kind: 'final', reason: `HTTP ${httpStatus}: redirects are not followed`, httpStatus };
  }
  return { kind: 'final', reason, httpStatus };
}

/**
 * Network failures and time-outs are worth another attempt; a host the operator does not allow
 * is final. The reason names the failure's code only (ECONNREFUSED, timed out), not the socket's text.
 */
export function networkFailure(err: unknown, timedOut: boolean): DeliveryOutcome {
  if (err instanceof CallbackHostNotAllowedError) return { kind: 'final', reason: `${err.code}: ${err.message}`, httpStatus: null };
  const code = (err as { code?: unknown } | null)?.code;
  const what = timedOut ? 'timed out' : typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'connection failed';
  return { kind: 'retry', reason: `network error: ${what}`, httpStatus: null, retryAfterMs: null };
}

/** Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries spread out but never collapse to zero. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * How long to wait before attempt `attempts + 1` after a retryable outcome of attempt `attempts`
 * (1-based). n8n's 409 "is running already" means the Wait node is suspending the execution right
 * now (it is saved as waiting within milliseconds), so it is retried on the short schedule
 * `retry.notWaitingMs` first, then joins the normal backoff from its start; every other failure
 * keeps the exponential backoff counted over all attempts. Never longer than `retry.maxMs`, and
 * never sooner than the receiver's Retry-After.
 */
export function retryDelay(
  outcome: Extract<DeliveryOutcome, { kind: 'retry' }>,
  attempts: number,
  retry: RetryOptions,
  random: () => number,
): number {
  const fast = retry.notWaitingMs;
  let delay: number;
  if (outcome.notYetWaiting && attempts <= fast.length) delay = fast[attempts - 1]!;
  else if (outcome.notYetWaiting) delay = backoffDelay(attempts - fast.length, retry.baseMs, retry.maxMs, random);
  else delay = backoffDelay(attempts, retry.baseMs, retry.maxMs, random);
  return Math.min(retry.maxMs, Math.max(delay, outcome.retryAfterMs ?? 0));
}
