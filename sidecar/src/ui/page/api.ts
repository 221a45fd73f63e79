/** The page's only ways to the sidecar: JSON calls with the CSRF header, and event streams. */
import { h } from './dom';
import type { StoredEvent } from './types';

/** An answer of the HTTP API other than 2xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function metaContent(name: string): string | null {
  const meta = document.querySelector('meta[name="' + name + '"]');
  return meta ? meta.getAttribute('content') : null;
}

/** The CSRF token the app page carries, sent with every call that changes something. */
export const csrf = (): string => metaContent('dw-csrf') || '';
/** Development mode (no sign-in): the page shows a tag instead of a sign-out button. */
export const devMode = (): boolean => metaContent('dw-mode') === 'dev';

/** Shows the "signed out" banner once; the person decides when to reload (no reload loops). */
export function signedOut(): void {
  if (document.getElementById('signed-out')) return;
  const bar = h('div.banner.banner-error', { id: 'signed-out', role: 'alert' }, [
    h('span', { text: 'Your session has ended. ' }),
    h('a', { href: '/', text: 'Sign in again' }),
  ]);
  document.body.insertBefore(bar, document.body.firstChild);
}

// The API's answers are typed by the caller: JSON from our own sidecar.
export function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = csrf();
  if (method !== 'GET' && token) headers['x-csrf-token'] = token;
  return fetch(path, {
    method: method,
    headers: headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(function (res) {
    const type = res.headers.get('content-type') || '';
    const parse: Promise<unknown> = type.indexOf('application/json') >= 0 ? res.json() : res.text();
    return parse.then(function (data): T {
      if (res.ok) return data as T;
      const answer = data as { error?: { code?: unknown; message?: unknown } } | null;
      const err = answer && answer.error ? answer.error : { code: 'http_' + res.status, message: 'Request failed (' + res.status + ')' };
      if (res.status === 401) signedOut();
      throw new ApiError(res.status, String(err.code), String(err.message));
    });
  });
}

/** The status of a failed call (0 when it never got an answer). */
export const errorStatus = (err: unknown): number => (err instanceof ApiError ? err.status : 0);
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const EVENT_TYPES: readonly string[] = [
  'run.status',
  'run.script',
  'phase',
  'agent.queued',
  'agent.started',
  'agent.completed',
  'agent.failed',
  'agent.retry',
  'log',
  'budget',
  'throttle',
  'verify.round',
  'callback.delivered',
  'callback.failed',
];

export type StreamState = 'live' | 'reconnecting' | 'closed';

/**
 * An EventSource on a same-origin stream (the session cookie goes along). EventSource resumes
 * with Last-Event-ID by itself after a dropped connection; onState reports 'live',
 * 'reconnecting' or 'closed' (a refused stream, e.g. after the session ended).
 */
export function stream(url: string, onEvent: (e: StoredEvent) => void, onState: (s: StreamState) => void): () => void {
  const es = new EventSource(url);
  const handler = function (msg: MessageEvent<string>): void {
    let stored: StoredEvent;
    try {
      stored = JSON.parse(msg.data) as StoredEvent;
    } catch {
      return;
    }
    onEvent(stored);
  };
  EVENT_TYPES.forEach(function (t) {
    es.addEventListener(t, handler);
  });
  es.onmessage = handler;
  es.onopen = function () {
    onState('live');
  };
  es.onerror = function () {
    onState(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  };
  return function () {
    es.close();
  };
}

/** Calls fn at most once per ms, the last call winning (event bursts become one redraw). */
export function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending = false;
  return function () {
    pending = true;
    if (timer) return;
    timer = setTimeout(function tick() {
      timer = null;
      if (!pending) return;
      pending = false;
      fn();
    }, ms);
  };
}
