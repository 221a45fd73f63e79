import { randomUUID } from 'node:crypto';
import { ConfigError } from '../errors/errors';
import type { CallbackSpec, RunRecord } from '../core/types';
import { backoffDelay, classifyResponse, networkFailure, type DeliveryOutcome } from './outcome';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signCallback } from './signature';
import { callbackPayload, isCallbackEvent, normalizeCallbackSpec, redactUrl } from './spec';
import { CallbackStore, type DueDelivery } from './store';
import type {
  CallbackDelivery,
  CallbackLogger,
  CallbackRegistration,
  CallbackRunEvent,
  CallbackServiceOptions,
  RetryOptions,
} from './types';

const DEFAULT_RETRY: RetryOptions = { baseMs: 500, maxMs: 300_000, maxAttempts: 30 };
const RESPONSE_BODY_LIMIT = 4096;
const USER_AGENT = 'dynamic-workflows-sidecar';

const silent: CallbackLogger = { debug() {}, info() {}, warn() {}, error() {} };

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`Expected \`${name}\` to be a number in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Reads at most `limit` bytes of a response body: enough to recognise n8n's 409 messages, never a flood. */
async function readCapped(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

interface InFlight {
  readonly promise: Promise<void>;
  readonly controller: AbortController;
}

/**
 * Persistent, retried delivery of run states to registered callback URLs (the n8n Wait node's
 * resume URL). One delivery per registration and status, enforced by a unique key, so a double
 * notify or a restart never enqueues twice. Delivery is at-least-once towards the network: a
 * POST cut off by a crash is sent again at the next start. For n8n that is harmless, because a
 * resume URL is single-use: the duplicate gets 409 "has finished already", which is final.
 */
export class CallbackService {
  private readonly store: CallbackStore;
  private readonly fetchImpl: typeof fetch;
  private readonly log: CallbackLogger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly stopGraceMs: number;
  private readonly inflight = new Map<number, InFlight>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(private readonly options: CallbackServiceOptions) {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    checkRange('retry.baseMs', retry.baseMs, 1, 86_400_000);
    checkRange('retry.maxMs', retry.maxMs, retry.baseMs, 86_400_000);
    checkRange('retry.maxAttempts', retry.maxAttempts, 1, 10_000);
    this.retry = retry;
    this.timeoutMs = checkRange('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000);
    this.concurrency = checkRange('concurrency', options.concurrency ?? 8, 1, 256);
    this.stopGraceMs = checkRange('stopGraceMs', options.stopGraceMs ?? 5_000, 0, 600_000);
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.store = new CallbackStore(options.db);
  }

  /** Resumes persisted deliveries (including ones a crash cut off mid-POST) and starts sending. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const requeued = this.store.requeueInterrupted(this.now());
    if (requeued > 0) this.log.warn({ requeued }, 'callback deliveries interrupted by a restart are sent again');
    this.pump();
  }

  /** Stops sending; waits up to `stopGraceMs` for POSTs in flight, then aborts them (they are resent at the next start). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimer();
    const pending = [...this.inflight.values()];
    if (pending.length === 0) return;
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, this.stopGraceMs);
    });
    await Promise.race([Promise.allSettled(pending.map((f) => f.promise)), grace]);
    clearTimeout(graceTimer);
    for (const f of this.inflight.values()) f.controller.abort(new Error('callback service stopped'));
    await Promise.allSettled([...this.inflight.values()].map((f) => f.promise));
  }

  /**
   * Registers a callback for a run. Pass the run's current record to deliver at once when the run
   * is already in one of the registered states (the route reads it just before).
   */
  register(runId: string, spec: CallbackSpec, current?: RunRecord | null): CallbackRegistration {
    const { url, events } = normalizeCallbackSpec(spec);
    const reg = this.store.upsertRegistration({ id: randomUUID(), runId, url, events, createdAt: new Date(this.now()).toISOString() });
    this.log.info({ runId, registrationId: reg.id, url: redactUrl(url), events: reg.events }, 'callback registered');
    if (current && current.id === runId) this.enqueue(reg, current);
    return reg;
  }

  /** Called on every status change of a run; idempotent, so calling it again (e.g. for every run at startup) is safe. */
  notify(run: RunRecord): void {
    if (!isCallbackEvent(run.status)) return;
    for (const reg of this.store.registrations(run.id)) this.enqueue(reg, run);
  }

  registrations(runId: string): CallbackRegistration[] {
    return this.store.registrations(runId);
  }

  deliveries(runId: string): CallbackDelivery[] {
    return this.store.deliveries(runId).map(({ body: _body, ...d }) => d);
  }

  private enqueue(reg: CallbackRegistration, run: RunRecord): void {
    const status = run.status;
    if (!isCallbackEvent(status) || !reg.events.includes(status)) return;
    const body = JSON.stringify(callbackPayload(run));
    if (this.store.enqueue(reg, status, body, this.now())) {
      this.log.debug({ runId: run.id, registrationId: reg.id, status }, 'callback delivery enqueued');
      this.pump();
    }
  }

  private pump(): void {
    if (!this.running) return;
    try {
      const free = this.concurrency - this.inflight.size;
      if (free > 0) {
        for (const d of this.store.due(this.now(), free)) {
          if (this.inflight.has(d.id) || !this.store.markDelivering(d.id, this.now())) continue;
          this.launch(d);
        }
      }
      this.armTimer();
    } catch (err) {
      // A closed or broken database must not become an unhandled rejection; start() picks up again.
      this.log.error({ err }, 'callback delivery scheduling failed');
    }
  }

  private armTimer(): void {
    const next = this.store.nextDueAt();
    // A full pipeline pumps again as each POST settles, so no timer is needed then.
    if (next === null || this.inflight.size >= this.concurrency) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerAt <= next) return;
    this.clearTimer();
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.max(0, next - this.now()));
    // A queued retry alone must not keep a one-shot CLI process alive; it resumes at the next start.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private launch(d: DueDelivery): void {
    const controller = new AbortController();
    const promise = this.attempt(d, controller.signal)
      .catch((err: unknown) => this.log.error({ err, deliveryId: d.id }, 'callback delivery crashed'))
      .finally(() => {
        this.inflight.delete(d.id);
        this.pump();
      });
    this.inflight.set(d.id, { promise, controller });
  }

  private async attempt(d: DueDelivery, stopSignal: AbortSignal): Promise<void> {
    const timestamp = this.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      [TIMESTAMP_HEADER]: String(timestamp),
    };
    if (this.options.secret !== null) headers[SIGNATURE_HEADER] = signCallback(this.options.secret, timestamp, d.body);
    let outcome: DeliveryOutcome;
    try {
      const res = await this.fetchImpl(d.url, {
        method: 'POST',
        headers,
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.any([stopSignal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const text = await readCapped(res, RESPONSE_BODY_LIMIT);
      outcome = classifyResponse(res.status, text, res.headers.get('retry-after'), this.now());
    } catch (err) {
      // Cut off by stop(): the row stays `delivering` and start() sends it again.
      if (stopSignal.aborted) return;
      outcome = networkFailure(err);
    }
    this.settle(d, outcome, d.attempts + 1);
  }

  private settle(d: DueDelivery, outcome: DeliveryOutcome, attempts: number): void {
    const now = this.now();
    const url = redactUrl(d.url);
    const ctx = { runId: d.runId, deliveryId: d.id, url, status: d.status, attempts };
    if (outcome.kind === 'delivered') {
      this.store.finish(d.id, 'delivered', { httpStatus: outcome.httpStatus, lastError: null, nextAttemptAt: now }, now);
      this.log.info({ ...ctx, httpStatus: outcome.httpStatus }, 'callback delivered');
      this.emit(d.runId, { type: 'callback.delivered', url, status: d.status, httpStatus: outcome.httpStatus });
      return;
    }
    if (outcome.kind === 'retry' && attempts < this.retry.maxAttempts) {
      const backoff = backoffDelay(attempts, this.retry.baseMs, this.retry.maxMs, this.random);
      const delay = Math.min(this.retry.maxMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
      this.store.finish(d.id, 'pending', { httpStatus: outcome.httpStatus, lastError: outcome.reason, nextAttemptAt: now + delay }, now);
      this.log.warn({ ...ctx, reason: outcome.reason, delayMs: delay }, 'callback delivery will be retried');
      return;
    }
    const reason = outcome.kind === 'retry' ? `${outcome.reason} (gave up after ${attempts} attempts)` : outcome.reason;
    this.store.finish(d.id, 'failed', { httpStatus: outcome.httpStatus, lastError: reason, nextAttemptAt: now }, now);
    this.log.warn({ ...ctx, reason }, 'callback delivery failed');
    this.emit(d.runId, { type: 'callback.failed', url, status: d.status, reason });
  }

  private emit(runId: string, event: CallbackRunEvent): void {
    try {
      this.options.onDelivery?.(runId, event);
    } catch (err) {
      this.log.error({ err, runId }, 'onDelivery hook threw');
    }
  }
}
