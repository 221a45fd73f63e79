import { EventBudgetError, type DwError } from '../errors/errors';
import {
  addUsage,
  emptyUsage,
  isTerminal,
  type AgentCounts,
  type AgentRecord,
  type RunEvent,
  type RunRecord,
  type RunSpec,
  type RunStatus,
  type Usage,
} from '../core/types';
import type { Store } from '../store/store';

/** How often a run's `budget` event may be written while agents complete. */
const BUDGET_EVENT_EVERY_MS = 250;

export interface RunRecordsDeps {
  readonly store: Store;
  /** A run's event budget: count and bytes (stored JSON). */
  readonly maxEvents: number;
  readonly maxEventBytes: number;
  /** Told once when a run spends its event budget (the engine aborts the run). */
  readonly onEventBudget: (runId: string, err: DwError) => void;
  /** Told of every stored event, once it is stored (logging, metrics). */
  readonly onEvent?: (runId: string, e: RunEvent) => void;
  /**
   * A write of an executing run failed (the store is unreachable, or another owner fenced this
   * one out). Whoever awaited the write sees the error too; this is for writes nobody awaits.
   */
  readonly onWriteError?: (runId: string, err: unknown) => void;
}

interface Live {
  readonly run: RunRecord;
  /** The execution's lease on the run (queue mode), checked by the store on every write. */
  readonly fence: number;
  events: number;
  bytes: number;
  overBudget: boolean;
  lastBudgetEvent: number;
}

/** Writes of one run waiting for the next commit. */
interface Pending {
  /** Journal rows by seq: a later write of the same agent replaces the earlier one. */
  readonly agents: Map<number, AgentRecord>;
  run: RunRecord | null;
  /** Events with their JSON (counted for the event budget, stored as it is). */
  readonly events: { readonly event: RunEvent; readonly data: string }[];
  readonly waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/**
 * The one writer of run records, journal rows and run events. It owns each executing run's record
 * (status, counts, usage, phase …): everyone else reads snapshots and asks for changes, so no two
 * parts of the engine hold the same mutable object.
 *
 * Writes are grouped: what a run writes in one turn of the event loop (a hundred agents issued by
 * one `Promise.all`, the completions that arrived together) becomes one store step, committed in
 * one transaction, and a run's steps commit one after another in order. `flush(id)` resolves once
 * everything written before it is durable, which is how the durability promises hold: an agent's
 * `issued` row is flushed before it is dispatched, its `completed` row before the script sees the
 * result. Events are published (to subscribers, then `onEvent`) only once they are stored.
 */
export class RunRecords {
  private readonly live = new Map<string, Live>();
  private readonly pending = new Map<string, Pending>();
  /** Per run: the commit in progress (the next one starts when it ends). */
  private readonly writing = new Map<string, Promise<void>>();
  /** Per run: changes of a run that is not executing, one at a time. */
  private readonly serial = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RunRecordsDeps) {}

  /** A snapshot of the run (the live record while it executes, else the stored one). */
  async get(id: string): Promise<RunRecord | null> {
    const live = this.live.get(id);
    if (live) return snapshot(live.run);
    return this.deps.store.runs.get(id);
  }

  /** The live record's snapshot while the run executes in this process, else null. */
  peek(id: string): RunRecord | null {
    const live = this.live.get(id);
    return live ? snapshot(live.run) : null;
  }

  isLive(id: string): boolean {
    return this.live.has(id);
  }

  async insert(run: RunRecord, spec: RunSpec, script: string | null): Promise<void> {
    await this.deps.store.insertRun(run, spec, script);
  }

  /**
   * Takes the run into memory for an execution (with the execution's lease in queue mode); the
   * event budget counts what is already stored.
   */
  async open(id: string, fence = 0): Promise<RunRecord | null> {
    return this.exclusive(id, async () => {
      const existing = this.live.get(id);
      if (existing) return snapshot(existing.run);
      await this.flush(id);
      const [run, totals] = await Promise.all([this.deps.store.runs.get(id), this.deps.store.events.totals(id)]);
      if (!run) return null;
      this.live.set(id, { run, fence, events: totals.count, bytes: totals.bytes, overBudget: false, lastBudgetEvent: 0 });
      return snapshot(run);
    });
  }

  /** Ends an execution once its writes are stored: the stored record is the only copy again. */
  async close(id: string): Promise<void> {
    try {
      await this.flush(id);
    } finally {
      this.live.delete(id);
    }
  }

  /** Changes fields of the record (not status, counts or usage) and stores it. */
  async patch(id: string, change: (run: RunRecord) => void): Promise<RunRecord> {
    return this.change(id, (run) => {
      change(run);
      this.save(run);
    });
  }

  async setStatus(id: string, status: RunStatus, end: { result?: unknown; error?: RunRecord['error'] } = {}): Promise<RunRecord> {
    return this.change(id, (run) => {
      if ('result' in end) run.result = end.result ?? null;
      if ('error' in end) run.error = end.error ?? null;
      if (isTerminal(status)) {
        run.counts.queued = 0;
        run.counts.active = 0;
      }
      run.status = status;
      this.save(run);
      this.emit(id, { type: 'run.status', status, ...(run.error ? { error: run.error } : {}) }, true);
      if (isTerminal(status)) this.emit(id, { type: 'budget', usage: run.usage, counts: run.counts }, true);
    });
  }

  setPhase(id: string, name: string): void {
    const run = this.mutable(id);
    run.phase = name;
    this.save(run);
    this.emit(id, { type: 'phase', name });
  }

  /** Adds to the agent counts (negative to take away). Stored with the next progress(). */
  count(id: string, delta: Partial<AgentCounts>): void {
    const c = this.mutable(id).counts;
    for (const [k, v] of Object.entries(delta) as [keyof AgentCounts, number][]) c[k] += v;
  }

  resetCounts(id: string): void {
    this.mutable(id).counts = { queued: 0, active: 0, done: 0, failed: 0, total: 0 };
  }

  spend(id: string, u: Usage): void {
    addUsage(this.mutable(id).usage, u);
  }

  usage(id: string): Readonly<Usage> {
    return this.live.get(id)?.run.usage ?? emptyUsage();
  }

  counts(id: string): Readonly<AgentCounts> {
    return this.mutable(id).counts;
  }

  /** Stores counts and usage; writes a `budget` event at most every 250 ms. */
  progress(id: string): void {
    const live = this.live.get(id);
    if (!live) return;
    this.save(live.run);
    const now = Date.now();
    if (now - live.lastBudgetEvent >= BUDGET_EVENT_EVERY_MS) {
      live.lastBudgetEvent = now;
      this.emit(id, { type: 'budget', usage: live.run.usage, counts: live.run.counts });
    }
  }

  /** Writes an agent's journal row with the run's next step (see `flush`). */
  journal(rec: AgentRecord): void {
    this.queue(rec.runId).agents.set(rec.seq, { ...rec });
  }

  /**
   * Stores and publishes an event with the run's next step. A run that has spent its event budget
   * writes no more events but its status changes (`force`), and the engine is told once so it
   * can end it.
   */
  emit(id: string, e: RunEvent, force = false): void {
    const live = this.live.get(id);
    if (live?.overBudget && !force) return;
    const data = JSON.stringify(e);
    if (live) {
      live.events += 1;
      live.bytes += data.length;
      if (!live.overBudget && (live.events >= this.deps.maxEvents || live.bytes >= this.deps.maxEventBytes)) {
        live.overBudget = true;
        const err =
          live.events >= this.deps.maxEvents
            ? new EventBudgetError('events', this.deps.maxEvents)
            : new EventBudgetError('bytes', this.deps.maxEventBytes);
        this.queue(id).events.push({ event: e, data });
        this.deps.onEventBudget(id, err);
        return;
      }
    }
    this.queue(id).events.push({ event: e, data });
  }

  /** Resolves once everything written for the run so far is stored (rejects when that failed). */
  flush(id: string): Promise<void> {
    const p = this.pending.get(id);
    if (p) return new Promise((resolve, reject) => p.waiters.push({ resolve, reject }));
    return this.writing.get(id) ?? Promise.resolve();
  }

  /** Resolves once every run's writes so far are stored (shutdown). */
  async flushAll(): Promise<void> {
    const ids = new Set([...this.pending.keys(), ...this.writing.keys()]);
    await Promise.allSettled([...ids].map((id) => this.flush(id)));
  }

  private queue(id: string): Pending {
    let p = this.pending.get(id);
    if (!p) {
      p = { agents: new Map(), run: null, events: [], waiters: [] };
      this.pending.set(id, p);
      if (!this.writing.has(id)) setImmediate(() => this.commit(id));
    }
    return p;
  }

  /** Commits the run's pending writes as one step; the next step starts when this one ends. */
  private commit(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const live = this.live.get(id);
    const step = {
      agents: [...p.agents.values()],
      ...(p.run ? { run: p.run } : {}),
      events: p.events.map(({ event, data }) => ({ runId: id, event, data })),
      ...(live?.fence ? { fence: { runId: id, token: live.fence } } : {}),
    };
    const done = this.deps.store.commit(step).then(
      () => {
        for (const e of p.events) this.deps.onEvent?.(id, e.event);
        for (const w of p.waiters) w.resolve();
      },
      (err: unknown) => {
        if (live || !p.waiters.length) this.deps.onWriteError?.(id, err);
        for (const w of p.waiters) w.reject(err);
      },
    );
    const chained = done.finally(() => {
      if (this.writing.get(id) === chained) this.writing.delete(id);
      if (this.pending.has(id)) this.commit(id);
    });
    this.writing.set(id, chained);
  }

  /**
   * Applies a change to the record and stores it. An executing run's change is applied to its live
   * record at once; another run's is read, changed and written one at a time per run.
   */
  private async change(id: string, apply: (run: RunRecord) => void): Promise<RunRecord> {
    const live = this.live.get(id);
    if (live) {
      apply(live.run);
      await this.flush(id);
      return snapshot(live.run);
    }
    return this.exclusive(id, async () => {
      const nowLive = this.live.get(id);
      const run = nowLive?.run ?? (await this.deps.store.runs.get(id));
      if (!run) throw new Error(`run ${id} is not in the store`);
      apply(run);
      await this.flush(id);
      return snapshot(run);
    });
  }

  private exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.serial.get(id) ?? Promise.resolve();
    const result = before.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.serial.set(id, tail);
    void tail.then(() => {
      if (this.serial.get(id) === tail) this.serial.delete(id);
    });
    return result;
  }

  private mutable(id: string): RunRecord {
    const live = this.live.get(id);
    if (!live) throw new Error(`run ${id} is not executing here`);
    return live.run;
  }

  private save(run: RunRecord): void {
    run.updatedAt = new Date().toISOString();
    this.queue(run.id).run = snapshot(run);
  }
}

function snapshot(run: RunRecord): RunRecord {
  return { ...run, counts: { ...run.counts }, usage: { ...run.usage } };
}
