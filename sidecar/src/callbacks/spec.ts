import { ValidationError } from '../errors/errors';
import type { CallbackEvent, CallbackSpec, RunRecord, RunStatus } from '../core/types';
import type { CallbackPayload } from './types';

export const CALLBACK_EVENTS: readonly CallbackEvent[] = ['converged', 'failed', 'cancelled', 'awaiting_approval'];
export const DEFAULT_CALLBACK_EVENTS: readonly CallbackEvent[] = ['converged', 'failed', 'cancelled'];

export const isCallbackEvent = (s: RunStatus | string): s is CallbackEvent => (CALLBACK_EVENTS as readonly string[]).includes(s);

/** Longest callback URL accepted (n8n's signed resume URLs are well under this). */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/** An absolute http(s) URL without credentials (fetch refuses those, so they could never be delivered). */
export function isHttpUrl(value: string): boolean {
  if (value.length > MAX_CALLBACK_URL_LENGTH || !URL.canParse(value)) return false;
  const u = new URL(value);
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && u.username === '' && u.password === '';
}

/** Checks a spec from any caller (the HTTP schema checks too; the service must not trust that). */
export function normalizeCallbackSpec(spec: CallbackSpec): { url: string; events: CallbackEvent[] } {
  if (typeof spec.url !== 'string' || !isHttpUrl(spec.url)) {
    throw new ValidationError('Expected `callback.url` to be an absolute http or https URL without credentials');
  }
  const events = spec.events === undefined ? [...DEFAULT_CALLBACK_EVENTS] : [...new Set(spec.events)];
  if (events.length === 0 || !events.every(isCallbackEvent)) {
    throw new ValidationError(`Expected \`callback.events\` to be a non-empty subset of ${CALLBACK_EVENTS.join(', ')}`);
  }
  return { url: spec.url, events };
}

/** The body POSTed for a run in a callback state: the result only when converged, the error only when there is one. */
export function callbackPayload(run: RunRecord): CallbackPayload {
  return {
    runId: run.id,
    status: run.status,
    ...(run.status === 'converged' ? { result: run.result ?? null } : {}),
    ...(run.error ? { error: { code: run.error.code, message: run.error.message } } : {}),
    usage: run.usage,
  };
}

/** The URL without its query and fragment, for logs and events: n8n's resume URLs carry a signature there. */
export function redactUrl(value: string): string {
  if (!URL.canParse(value)) return '(invalid url)';
  const u = new URL(value);
  return `${u.origin}${u.pathname}`;
}
