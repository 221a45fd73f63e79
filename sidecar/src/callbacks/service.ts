import { randomUUID } from 'node:crypto';
import { ConfigError, RunNotFoundError } from '../errors/errors';
import type { CallbackSpec, RunRecord, RunStatus, StoredEvent } from '../core/types';
import { CallbackLimitError } from './errors';
import { DEFAULT_MAX_GROUP_RUNS } from './group-spec';
import { GroupStore, type StoredGroup } from './group-store';
import { GroupCallbacks, type GroupRegistration } from './groups';
import { classifyResponse, networkFailure, retryDelay, type DeliveryOutcome } from './outcome';
import { createPoster, type CallbackPoster } from './post';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signCallback, signedPath } from './signature';
import { callbackPayload, isCallbackEvent, normalizeCallbackSpec, redactUrl } from './spec';
import { CallbackStore, type DueDelivery } from './store';
import type {
  CallbackDelivery,
  CallbackGroup,
  CallbackGroupSpec,
  CallbackLogger,
  CallbackRegistration,
  CallbackRunEvent,
  CallbackRunSource,
  CallbackServiceOptions,
  RetryOptions,
} from './types';

const DEFAULT_RETRY: RetryOptions = { baseMs: 500, maxMs: 300_000, maxAttempts: 30, notWaitingMs: [25, 50, 100, 200, 400] };
const RESPONSE_BODY_LIMIT = 4096;
const USER_AGENT = 'dynamic-workflows-sidecar';

const silent: CallbackLogger = { debug() {}, info() {}, warn() {}, error() {} };

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`Expected \`${name}\` to be a number in ${min}..${max}, got ${value}`);
  }
  return value;
}

interface InFlight {
  readonly promise: Promise<void>;
  readonly controller: AbortController;
}

/** One POST to send: a run's delivery or a group's. */
type Outgoing =
  | { readonly kind: 'run'; readonly key: string; readonly due: number; readonly d: DueDelivery }
  | { readonly kind: 'group'; readonly key: string; readonly due: number; readonly g: StoredGroup };

const runOutgoing = (d: DueDelivery): Outgoing => ({ kind: 'run', key: `run:${d.id}`, due: d.nextAttemptAt, d });
const groupOutgoing = (g: StoredGroup): Outgoing => ({ kind: 'group', key: `group:${g.id}`, due: g.nextAttemptAt ?? 0, g });

/**
 * The one owner of callbacks: registrations (checked against the operator's hosts), following
 * the runs' status events, persistent retried delivery, and the delivery events of the run.
 * One delivery per registration and status, enforced by a unique key, so a repeated event or a
 * restart never enqueues twice. Delivery is at-least-once towards the network: a POST cut off
 * by a crash is sent again at the next start. For n8n that is harmless, because a resume URL is
 * single-use: the duplicate gets 409 "has finished already", which is final.
 */
export class CallbackService {
  private readonly store: CallbackStore;
  private readonly groupStore: GroupStore;
  private readonly groups: GroupCallbacks;
  private readonly runs: CallbackRunSource;
  private readonly post: CallbackPoster;
  private readonly maxPerRun: number;
  private readonly log: CallbackLogger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly stopGraceMs: number;
  private readonly inflight = new Map<string, InFlight>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: CallbackServiceOptions) {
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    checkRange('retry.baseMs', retry.baseMs, 1, 86_400_000);
    checkRange('retry.maxMs', retry.maxMs, retry.baseMs, 86_400_000);
    checkRange('retry.maxAttempts', retry.maxAttempts, 1, 10_000);
    if (!Array.isArray(retry.notWaitingMs) || retry.notWaitingMs.length > 100) {
      throw new ConfigError('Expected `retry.notWaitingMs` to be a list of at most 100 delays');
    }
    retry.notWaitingMs.forEach((ms, i) => checkRange(`retry.notWaitingMs[${i}]`, ms, 0, 86_400_000));
    this.retry = retry;
    this.timeoutMs = checkRange('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000);
    this.concurrency = checkRange('concurrency', options.concurrency ?? 8, 1, 256);
    this.stopGraceMs = checkRange('stopGraceMs', options.stopGraceMs ?? 5_000, 0, 600_000);
    this.maxPerRun = checkRange('maxPerRun', options.maxPerRun ?? 5, 1, 100);
    this.runs = options.runs;
    this.post = options.post ?? createPoster(options.hosts, RESPONSE_BODY_LIMIT);
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.store = new CallbackStore(options.db);
    this.groupStore = new GroupStore(options.db);
    this.groups = new GroupCallbacks({
      store: this.groupStore,
      runs: this.runs,
      hosts: options.hosts,
      maxGroupRuns: checkRange('maxGroupRuns', options.maxGroupRuns ?? DEFAULT_MAX_GROUP_RUNS, 1, 100_000),
      log: this.log,
      now: this.now,
      onDue: () => this.pump(),
    });
  }

  /**
   * Follows the runs' status events, catches up with runs that changed state while nothing was
   * listening, resumes persisted deliveries (including ones a crash cut off mid-POST) and sends.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.runs.subscribe(null, (e) => this.onEvent(e));
    const requeued = this.store.requeueInterrupted(this.now()) + this.groupStore.requeueInterrupted(this.now());
    if (requeued > 0) this.log.warn({ requeued }, 'callback deliveries interrupted by a restart are sent again');
    let caughtUp = 0;
    for (const reg of this.store.openRegistrations()) {
      const run = this.runs.getRun(reg.runId);
      if (run && this.enqueue(reg, run)) caughtUp++;
    }
    caughtUp += this.groups.checkAll();
    if (caughtUp > 0) this.log.info({ caughtUp }, 'callbacks enqueued for runs that changed state while the sidecar was down');
    this.pump();
  }

  /** Stops sending; waits up to `stopGraceMs` for POSTs in flight, then aborts them (they are resent at the next start). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
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

  /** Checks a spec before a run exists (POST /v1/runs): its shape, and that its host is allowed. */
  async check(spec: CallbackSpec): Promise<void> {
    const { url } = normalizeCallbackSpec(spec);
    await this.options.hosts.check(new URL(url));
  }

  /**
   * Registers a callback for a run (at most `maxPerRun` URLs; the same URL again replaces its
   * events). Delivered at once when the run is already in one of the registered states.
   */
  async register(runId: string, spec: CallbackSpec): Promise<CallbackRegistration> {
    const { url, events } = normalizeCallbackSpec(spec);
    if (!this.runs.getRun(runId)) throw new RunNotFoundError(runId);
    await this.options.hosts.check(new URL(url));
    const existing = this.store.registrations(runId);
    if (!existing.some((r) => r.url === url) && existing.length >= this.maxPerRun) throw new CallbackLimitError(this.maxPerRun);
    const reg = this.store.upsertRegistration({ id: randomUUID(), runId, url, events, createdAt: new Date(this.now()).toISOString() });
    this.log.info({ runId, registrationId: reg.id, url: redactUrl(url), events: reg.events }, 'callback registered');
    // Read after the registration is stored: a status change from now on is seen by onEvent.
    const current = this.runs.getRun(runId);
    if (current) this.enqueue(reg, current);
    return reg;
  }

  /**
   * Registers one callback for a set of runs (POST /v1/callbacks), delivered once when its
   * condition holds: at once when it already does, unless `ifAlreadyMet: 'answer'` asks for the
   * body in the answer instead of a registration.
   */
  async registerGroup(spec: CallbackGroupSpec): Promise<GroupRegistration> {
    return this.groups.register(spec);
  }

  group(id: string): CallbackGroup | null {
    return this.groups.get(id);
  }

  registrations(runId: string): CallbackRegistration[] {
    return this.store.registrations(runId);
  }

  deliveries(runId: string): CallbackDelivery[] {
    return this.store.deliveries(runId).map(({ body: _body, ...d }) => d);
  }

  /** A stored run event: status changes into a callback state are delivered. */
  private onEvent(e: StoredEvent): void {
    if (e.event.type !== 'run.status') return;
    // A status it remembered may be left (a failed run whose agent is restarted runs again).
    this.groups.forget(e.runId);
    if (!isCallbackEvent(e.event.status)) return;
    try {
      this.groups.runChanged(e.runId);
    } catch (err) {
      this.log.error({ err, runId: e.runId }, 'callback group check failed');
    }
    try {
      const regs = this.store.registrations(e.runId);
      if (regs.length === 0) return;
      const run = this.runs.getRun(e.runId);
      if (run) for (const reg of regs) this.enqueue(reg, run);
    } catch (err) {
      this.log.error({ err, runId: e.runId }, 'callback enqueue failed');
    }
  }

  private enqueue(reg: CallbackRegistration, run: RunRecord): boolean {
    const status = run.status;
    if (!isCallbackEvent(status) || !reg.events.includes(status)) return false;
    const body = JSON.stringify(callbackPayload(run));
    if (!this.store.enqueue(reg, status, body, this.now())) return false;
    this.log.debug({ runId: run.id, registrationId: reg.id, status }, 'callback delivery enqueued');
    this.pump();
    return true;
  }

  private pump(): void {
    if (!this.running) return;
    try {
      const free = this.concurrency - this.inflight.size;
      if (free > 0) {
        const now = this.now();
        const due = [...this.store.due(now, free).map(runOutgoing), ...this.groupStore.due(now, free).map(groupOutgoing)]
          .sort((a, b) => a.due - b.due)
          .slice(0, free);
        for (const out of due) {
          if (this.inflight.has(out.key)) continue;
          const claimed = out.kind === 'run' ? this.store.markDelivering(out.d.id, now) : this.groupStore.markDelivering(out.g.id, now);
          if (claimed) this.launch(out);
        }
      }
      this.armTimer();
    } catch (err) {
      // A closed or broken database must not become an unhandled rejection; start() picks up again.
      this.log.error({ err }, 'callback delivery scheduling failed');
    }
  }

  private armTimer(): void {
    const times = [this.store.nextDueAt(), this.groupStore.nextDueAt()].filter((t): t is number => t !== null);
    const next = times.length ? Math.min(...times) : null;
    // A full pipeline pumps again as each POST settles, so no timer is needed then.
    if (next === null || this.inflight.size >= this.concurrency) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerAt <= next) return;
    this.clearTimer();
    this.timerAt = next;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, next - this.now()),
    );
    // A queued retry alone must not keep a one-shot CLI process alive; it resumes at the next start.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private launch(out: Outgoing): void {
    const controller = new AbortController();
    const sent = out.kind === 'run' ? this.attempt(out.d, controller.signal) : this.attemptGroup(out.g, controller.signal);
    const promise = sent
      .catch((err: unknown) => this.log.error({ err, delivery: out.key }, 'callback delivery crashed'))
      .finally(() => {
        this.inflight.delete(out.key);
        this.pump();
      });
    this.inflight.set(out.key, { promise, controller });
  }

  private async attempt(d: DueDelivery, stopSignal: AbortSignal): Promise<void> {
    const outcome = await this.send(d.url, d.body, stopSignal);
    // Cut off by stop(): the row stays `delivering` and start() sends it again.
    if (outcome) this.settle(d, outcome, d.attempts + 1);
  }

  private async attemptGroup(g: StoredGroup, stopSignal: AbortSignal): Promise<void> {
    const outcome = await this.send(g.url, g.body ?? '{}', stopSignal);
    if (outcome) this.settleGroup(g, outcome, g.attempts + 1);
  }

  /** One signed POST; null when stop() cut it off. */
  private async send(url: string, body: string, stopSignal: AbortSignal): Promise<DeliveryOutcome | null> {
    const timestamp = this.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      [TIMESTAMP_HEADER]: String(timestamp),
    };
    if (this.options.secret !== null) headers[SIGNATURE_HEADER] = signCallback(this.options.secret, timestamp, signedPath(url), body);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await this.post(url, { headers, body, signal: AbortSignal.any([stopSignal, timeout]) });
      return classifyResponse(res.status, res.body, res.retryAfter, this.now());
    } catch (err) {
      if (stopSignal.aborted) return null;
      return networkFailure(err, timeout.aborted);
    }
  }

  /** Same rules as a run's delivery; the outcome goes to the events of every run of the group. */
  private settleGroup(g: StoredGroup, outcome: DeliveryOutcome, attempts: number): void {
    const now = this.now();
    const url = redactUrl(g.url);
    const ctx = { groupId: g.id, url, attempts };
    if (outcome.kind === 'retry' && attempts < this.retry.maxAttempts) {
      const delay = retryDelay(outcome, attempts, this.retry, this.random);
      this.groupStore.finish(
        g.id,
        'pending',
        { httpStatus: outcome.httpStatus, lastError: outcome.reason, nextAttemptAt: now + delay },
        now,
      );
      this.log.warn({ ...ctx, reason: outcome.reason, delayMs: delay }, 'callback delivery will be retried');
      return;
    }
    const delivered = outcome.kind === 'delivered';
    const reason = delivered ? null : outcome.kind === 'retry' ? `${outcome.reason} (gave up after ${attempts} attempts)` : outcome.reason;
    this.groupStore.finish(
      g.id,
      delivered ? 'delivered' : 'failed',
      { httpStatus: outcome.httpStatus, lastError: reason, nextAttemptAt: now },
      now,
    );
    if (delivered) this.log.info({ ...ctx, httpStatus: outcome.httpStatus }, 'callback delivered');
    else this.log.warn({ ...ctx, reason }, 'callback delivery failed');
    statusesOf(g.body).forEach((run, i) => {
      this.emit(
        run.runId,
        delivered
          ? { type: 'callback.delivered', url, status: run.status, httpStatus: outcome.httpStatus ?? 0, groupId: g.id }
          : { type: 'callback.failed', url, status: run.status, reason: reason ?? '', groupId: g.id },
        i > 0,
      );
    });
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
      const delay = retryDelay(outcome, attempts, this.retry, this.random);
      this.store.finish(d.id, 'pending', { httpStatus: outcome.httpStatus, lastError: outcome.reason, nextAttemptAt: now + delay }, now);
      this.log.warn({ ...ctx, reason: outcome.reason, delayMs: delay }, 'callback delivery will be retried');
      return;
    }
    const reason = outcome.kind === 'retry' ? `${outcome.reason} (gave up after ${attempts} attempts)` : outcome.reason;
    this.store.finish(d.id, 'failed', { httpStatus: outcome.httpStatus, lastError: reason, nextAttemptAt: now }, now);
    this.log.warn({ ...ctx, reason }, 'callback delivery failed');
    this.emit(d.runId, { type: 'callback.failed', url, status: d.status, reason });
  }

  /** Records the outcome in the run's events and, unless `counted` elsewhere, tells onOutcome (once per delivery). */
  private emit(runId: string, event: CallbackRunEvent, counted = false): void {
    try {
      this.runs.record(runId, event);
      if (!counted) this.options.onOutcome?.(event);
    } catch (err) {
      this.log.error({ err, runId }, 'callback outcome could not be recorded');
    }
  }
}

/** The runs of a group's body with the status each was delivered with (runs that no longer exist left out). */
function statusesOf(body: string | null): Array<{ runId: string; status: RunStatus }> {
  try {
    const parsed = JSON.parse(body ?? '{}') as { runs?: Array<{ runId: string; status: string }> };
    return (parsed.runs ?? []).filter((r): r is { runId: string; status: RunStatus } => r.status !== 'unknown');
  } catch {
    return [];
  }
}
