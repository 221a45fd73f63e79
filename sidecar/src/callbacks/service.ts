import { randomUUID } from 'node:crypto';
import { RunNotFoundError } from '../errors/errors';
import type { AttemptEnd, CallbackStore, DueDelivery, StoredGroup } from '../core/callback-store';
import type { CallbackEvent, CallbackSpec, RunRecord, RunStatus, StoredEvent } from '../core/types';
import { CallbackLimitError } from './errors';
import { GroupCallbacks, type GroupRegistration } from './groups';
import { serviceSettings, type ServiceSettings } from './options';
import { retryDelay, type DeliveryOutcome } from './outcome';
import { createPoster, type CallbackPoster } from './post';
import { sendCallback, type SendOptions } from './send';
import { callbackPayload, isCallbackEvent, normalizeCallbackSpec, redactUrl } from './spec';
import type {
  CallbackDelivery,
  CallbackGroup,
  CallbackGroupSpec,
  CallbackLogger,
  CallbackRegistration,
  CallbackRunEvent,
  CallbackRunSource,
  CallbackServiceOptions,
} from './types';

const RESPONSE_BODY_LIMIT = 4096;
const IDLE_RECHECK_MS = 100;

const silent: CallbackLogger = { debug() {}, info() {}, warn() {}, error() {} };

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
 * One delivery per registration and status, enforced by a unique key, so a repeated event, a
 * restart or another process seeing the same run never enqueues twice. Each POST goes out under
 * a claim (see `CallbackStore`): several services on one Postgres store never send a delivery at
 * once, and record its outcome once. Delivery is at-least-once towards the network only when a
 * sender dies mid-POST: the POST is sent again (at the next start on SQLite, after the lease on
 * Postgres). For n8n that is harmless, because a resume URL is single-use: the duplicate gets
 * 409 "has finished already", which is final.
 */
export class CallbackService {
  private readonly store: CallbackStore;
  private readonly groups: GroupCallbacks;
  private readonly runs: CallbackRunSource;
  private readonly post: CallbackPoster;
  private readonly log: CallbackLogger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly settings: ServiceSettings;
  private readonly sending: SendOptions;
  private readonly inflight = new Map<string, InFlight>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private poller: NodeJS.Timeout | null = null;
  private running = false;
  private unsubscribe: (() => void) | null = null;
  /** Status events are handled one after another, in the order they were stored. */
  private events: Promise<void> = Promise.resolve();
  private pumping: Promise<void> = Promise.resolve();
  private pumpActive = false;
  private pumpAgain = false;
  /** Which outbox a pump claims from first, alternated so neither starves the other. */
  private groupsFirst = false;

  constructor(private readonly options: CallbackServiceOptions) {
    const settings = serviceSettings(options);
    this.settings = settings;
    this.runs = options.runs;
    this.post = options.post ?? createPoster(options.hosts, RESPONSE_BODY_LIMIT);
    this.log = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sending = { post: this.post, secret: options.secret, timeoutMs: settings.timeoutMs, now: this.now };
    this.store = options.store;
    this.groups = new GroupCallbacks({
      store: this.store,
      runs: this.runs,
      hosts: options.hosts,
      maxGroupRuns: settings.maxGroupRuns,
      log: this.log,
      now: this.now,
      onDue: () => this.pump(),
    });
  }

  /**
   * Follows the runs' status events, catches up with runs that changed state while nothing was
   * listening, resumes persisted deliveries (including ones a crash cut off mid-POST) and sends.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.runs.subscribe(null, (e) => this.onEvent(e));
    if (this.settings.pollMs > 0) {
      this.poller = setInterval(() => this.pump(), this.settings.pollMs);
      this.poller.unref();
    }
    try {
      const requeued = await this.store.requeueInterrupted(this.now());
      if (requeued > 0) this.log.warn({ requeued }, 'callback deliveries interrupted by a restart are sent again');
      let caughtUp = 0;
      for (const reg of await this.store.openRegistrations()) {
        const run = await this.runs.getRun(reg.runId);
        if (run && (await this.enqueue(reg, run, run.status))) caughtUp++;
      }
      caughtUp += await this.groups.checkAll();
      if (caughtUp > 0) this.log.info({ caughtUp }, 'callbacks enqueued for runs that changed state while the sidecar was down');
    } catch (err) {
      // The outbox is looked at again at each event, retry and poll.
      this.log.error({ err }, 'callback catch-up at start failed');
    }
    this.pump();
  }

  /** Stops sending; waits up to `stopGraceMs` for POSTs in flight, then aborts them (they are resent later). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    this.clearTimer();
    await this.events;
    await this.pumping;
    const pending = [...this.inflight.values()];
    if (pending.length === 0) return;
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, this.settings.stopGraceMs);
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
    if (!(await this.runs.getRun(runId))) throw new RunNotFoundError(runId);
    await this.options.hosts.check(new URL(url));
    const existing = await this.store.registrations(runId);
    if (!existing.some((r) => r.url === url) && existing.length >= this.settings.maxPerRun)
      throw new CallbackLimitError(this.settings.maxPerRun);
    const reg = await this.store.upsertRegistration({
      id: randomUUID(),
      runId,
      url,
      events,
      createdAt: new Date(this.now()).toISOString(),
    });
    this.log.info({ runId, registrationId: reg.id, url: redactUrl(url), events: reg.events }, 'callback registered');
    // Read after the registration is stored: a status change from now on is seen by onEvent.
    const current = await this.runs.getRun(runId);
    if (current) await this.enqueue(reg, current, current.status);
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

  async group(id: string): Promise<CallbackGroup | null> {
    return this.groups.get(id);
  }

  async registrations(runId: string): Promise<CallbackRegistration[]> {
    return this.store.registrations(runId);
  }

  async deliveries(runId: string): Promise<CallbackDelivery[]> {
    return (await this.store.deliveries(runId)).map(({ body: _body, ...d }) => d);
  }

  /** A stored run event: status changes into a callback state are delivered. */
  private onEvent(e: StoredEvent): void {
    if (e.event.type !== 'run.status') return;
    // A status it remembered may be left (a failed run whose agent is restarted runs again).
    this.groups.forget(e.runId);
    const status = e.event.status;
    if (!isCallbackEvent(status)) return;
    this.events = this.events.then(() => this.statusReached(e.runId, status));
  }

  private async statusReached(runId: string, status: CallbackEvent): Promise<void> {
    try {
      await this.groups.runChanged(runId);
    } catch (err) {
      this.log.error({ err, runId }, 'callback group check failed');
    }
    try {
      const regs = await this.store.registrations(runId);
      if (regs.length === 0) return;
      const run = await this.runs.getRun(runId);
      if (run) for (const reg of regs) await this.enqueue(reg, run, status);
    } catch (err) {
      this.log.error({ err, runId }, 'callback enqueue failed');
    }
  }

  /**
   * Enqueues the run's callback for `status` (the status of the event, which the record read a
   * moment later may have left already: the body says the status the event said).
   */
  private async enqueue(reg: CallbackRegistration, run: RunRecord, status: RunStatus): Promise<boolean> {
    if (!isCallbackEvent(status) || !reg.events.includes(status)) return false;
    const body = JSON.stringify(callbackPayload(run.status === status ? run : { ...run, status }));
    if (!(await this.store.enqueue(reg, status, body, this.now()))) return false;
    this.log.debug({ runId: run.id, registrationId: reg.id, status }, 'callback delivery enqueued');
    this.pump();
    return true;
  }

  /** Claims what is due into free slots and sends it; one pump at a time, a call meanwhile makes it go round once more. */
  private pump(): void {
    if (!this.running) return;
    this.pumpAgain = true;
    if (this.pumpActive) return;
    this.pumpActive = true;
    this.pumping = this.pumpLoop();
  }

  private async pumpLoop(): Promise<void> {
    try {
      while (this.pumpAgain && this.running) {
        this.pumpAgain = false;
        const claimed = await this.claim();
        if (this.running) await this.armTimer(claimed === 0);
      }
    } catch (err) {
      // A closed or broken database must not become an unhandled rejection; the next event, retry or poll tries again.
      this.log.error({ err }, 'callback delivery scheduling failed');
    } finally {
      // In the same step as the loop's last check: a pump() from now on starts a new loop.
      this.pumpActive = false;
    }
  }

  private async claim(): Promise<number> {
    const free = this.settings.concurrency - this.inflight.size;
    if (free <= 0 || !this.running) return 0;
    const now = this.now();
    const claimRuns = async (n: number) =>
      n > 0 ? (await this.store.claimDeliveries(now, n, this.settings.leaseMs)).map(runOutgoing) : [];
    const claimGroups = async (n: number) =>
      n > 0 ? (await this.store.claimGroups(now, n, this.settings.leaseMs)).map(groupOutgoing) : [];
    this.groupsFirst = !this.groupsFirst;
    const firstBatch = await (this.groupsFirst ? claimGroups(free) : claimRuns(free));
    const secondBatch = await (this.groupsFirst ? claimRuns(free - firstBatch.length) : claimGroups(free - firstBatch.length));
    const claimed = [...firstBatch, ...secondBatch].sort((a, b) => a.due - b.due);
    // Claimed rows are sent even when stop() came meanwhile: stop() waits for this pump, then for them.
    for (const out of claimed) {
      // Our own previous attempt wrote its outcome (a short retry) and this pump claimed the row
      // again before that attempt left the in-flight list: send once it has (after a stop, the
      // claim is left to the lease, as a POST cut off by the stop is).
      const previous = this.inflight.get(out.key);
      if (previous) void previous.promise.then(() => this.running && this.launch(out));
      else this.launch(out);
    }
    return claimed.length;
  }

  private async armTimer(idle: boolean): Promise<void> {
    const next = await this.store.nextDueAt();
    // A full pipeline pumps again as each POST settles, so no timer is needed then.
    if (next === null || this.inflight.size >= this.settings.concurrency || !this.running) {
      this.clearTimer();
      return;
    }
    // Due now yet nothing claimable (another process is claiming it this moment): look again shortly, not at once.
    const at = idle && next <= this.now() ? this.now() + IDLE_RECHECK_MS : next;
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - this.now()),
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
    const outcome = await sendCallback(this.sending, d.url, d.body, stopSignal);
    // Cut off by stop(): the row stays `delivering` until it is requeued at start or its lease ends.
    if (outcome) await this.settle(d, outcome);
  }

  private async attemptGroup(g: StoredGroup, stopSignal: AbortSignal): Promise<void> {
    const outcome = await sendCallback(this.sending, g.url, g.body ?? '{}', stopSignal);
    if (outcome) await this.settleGroup(g, outcome);
  }

  /** Same rules as a run's delivery; the outcome goes to the events of every run of the group. */
  private async settleGroup(g: StoredGroup, outcome: DeliveryOutcome): Promise<void> {
    const now = this.now();
    const url = redactUrl(g.url);
    const ctx = { groupId: g.id, url, attempts: g.attempts };
    const end = this.attemptEnd(outcome, g.attempts, now);
    if (!(await this.store.finishGroup(g.id, g.attempts, end, now))) return this.claimLost(ctx);
    if (end.state === 'pending') {
      this.log.warn({ ...ctx, reason: end.lastError, delayMs: end.nextAttemptAt - now }, 'callback delivery will be retried');
      return;
    }
    const delivered = end.state === 'delivered';
    if (delivered) this.log.info({ ...ctx, httpStatus: outcome.httpStatus }, 'callback delivered');
    else this.log.warn({ ...ctx, reason: end.lastError }, 'callback delivery failed');
    statusesOf(g.body).forEach((run, i) => {
      this.emit(
        run.runId,
        delivered
          ? { type: 'callback.delivered', url, status: run.status, httpStatus: outcome.httpStatus ?? 0, groupId: g.id }
          : { type: 'callback.failed', url, status: run.status, reason: end.lastError ?? '', groupId: g.id },
        i > 0,
      );
    });
  }

  private async settle(d: DueDelivery, outcome: DeliveryOutcome): Promise<void> {
    const now = this.now();
    const url = redactUrl(d.url);
    const ctx = { runId: d.runId, deliveryId: d.id, url, status: d.status, attempts: d.attempts };
    const end = this.attemptEnd(outcome, d.attempts, now);
    if (!(await this.store.finishDelivery(d.id, d.attempts, end, now))) return this.claimLost(ctx);
    if (end.state === 'delivered') {
      this.log.info({ ...ctx, httpStatus: outcome.httpStatus }, 'callback delivered');
      this.emit(d.runId, { type: 'callback.delivered', url, status: d.status, httpStatus: outcome.httpStatus ?? 0 });
    } else if (end.state === 'pending') {
      this.log.warn({ ...ctx, reason: end.lastError, delayMs: end.nextAttemptAt - now }, 'callback delivery will be retried');
    } else {
      this.log.warn({ ...ctx, reason: end.lastError }, 'callback delivery failed');
      this.emit(d.runId, { type: 'callback.failed', url, status: d.status, reason: end.lastError ?? '' });
    }
  }

  /** What attempt number `attempts` (1-based) comes to: delivered, another attempt later, or given up. */
  private attemptEnd(outcome: DeliveryOutcome, attempts: number, now: number): AttemptEnd {
    if (outcome.kind === 'delivered') return { state: 'delivered', httpStatus: outcome.httpStatus, lastError: null, nextAttemptAt: now };
    if (outcome.kind === 'retry' && attempts < this.settings.retry.maxAttempts) {
      const delay = retryDelay(outcome, attempts, this.settings.retry, this.random);
      return { state: 'pending', httpStatus: outcome.httpStatus, lastError: outcome.reason, nextAttemptAt: now + delay };
    }
    const reason = outcome.kind === 'retry' ? `${outcome.reason} (gave up after ${attempts} attempts)` : outcome.reason;
    return { state: 'failed', httpStatus: outcome.httpStatus, lastError: reason, nextAttemptAt: now };
  }

  /** The lease ran out before the outcome was written and another process took the row over: its attempt counts, not this one. */
  private claimLost(ctx: Record<string, unknown>): void {
    this.log.warn(
      { ...ctx, leaseMs: this.settings.leaseMs },
      'callback claim lost before its outcome was recorded: another process sends it',
    );
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
