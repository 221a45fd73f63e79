import { EventBudgetError, type DwError } from '../errors/errors';
import {
  addUsage,
  emptyUsage,
  isTerminal,
  type AgentCounts,
  type RunEvent,
  type RunRecord,
  type RunSpec,
  type RunStatus,
  type Usage,
} from '../core/types';
import type { EventLog } from '../store/events';
import type { RunStore } from '../store/runs';

/** How often a run's `budget` event may be written while agents complete. */
const BUDGET_EVENT_EVERY_MS = 250;

export interface RunRecordsDeps {
  readonly runs: RunStore;
  readonly log: EventLog;
  /** A run's event budget: count and bytes (stored JSON). */
  readonly maxEvents: number;
  readonly maxEventBytes: number;
  /** Told once when a run spends its event budget (the engine aborts the run). */
  readonly onEventBudget: (runId: string, err: DwError) => void;
  /** Told of every stored event (logging, metrics). */
  readonly onEvent?: (runId: string, e: RunEvent) => void;
}

interface Live {
  readonly run: RunRecord;
  events: number;
  bytes: number;
  overBudget: boolean;
  lastBudgetEvent: number;
}

/**
 * The one writer of run records and run events. It owns each executing run's record (status,
 * counts, usage, phase …): everyone else reads snapshots and asks for changes, so no two parts
 * of the engine hold the same mutable object. Every change is stored before it is published.
 */
export class RunRecords {
  private readonly live = new Map<string, Live>();

  constructor(private readonly deps: RunRecordsDeps) {}

  /** A snapshot of the run (the live record while it executes, else the stored one). */
  get(id: string): RunRecord | null {
    const live = this.live.get(id);
    if (live) return snapshot(live.run);
    return this.deps.runs.get(id);
  }

  insert(run: RunRecord, spec: RunSpec, script: string | null): void {
    this.deps.runs.insert(run, spec, script);
  }

  /** Takes the run into memory for an execution; the event budget counts what is already stored. */
  open(id: string): RunRecord | null {
    const existing = this.live.get(id);
    if (existing) return snapshot(existing.run);
    const run = this.deps.runs.get(id);
    if (!run) return null;
    const totals = this.deps.log.totals(id);
    this.live.set(id, { run, events: totals.count, bytes: totals.bytes, overBudget: false, lastBudgetEvent: 0 });
    return snapshot(run);
  }

  /** Ends an execution: the stored record is the only copy again. */
  close(id: string): void {
    this.live.delete(id);
  }

  /** Changes fields of the record (not status, counts or usage) and stores it. */
  patch(id: string, change: (run: RunRecord) => void): RunRecord {
    const run = this.mutable(id);
    change(run);
    this.save(run);
    return snapshot(run);
  }

  setStatus(id: string, status: RunStatus, end: { result?: unknown; error?: RunRecord['error'] } = {}): RunRecord {
    const run = this.mutable(id);
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
    return snapshot(run);
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
    return this.live.get(id)?.run.usage ?? this.deps.runs.get(id)?.usage ?? emptyUsage();
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

  /**
   * Stores and publishes an event. A run that has spent its event budget writes no more
   * events but its status changes (`force`), and the engine is told once so it can end it.
   */
  emit(id: string, e: RunEvent, force = false): void {
    const live = this.live.get(id);
    if (live) {
      if (live.overBudget && !force) return;
      const bytes = this.deps.log.append(id, e).bytes;
      live.events += 1;
      live.bytes += bytes;
      if (!live.overBudget && (live.events >= this.deps.maxEvents || live.bytes >= this.deps.maxEventBytes)) {
        live.overBudget = true;
        const err =
          live.events >= this.deps.maxEvents
            ? new EventBudgetError('events', this.deps.maxEvents)
            : new EventBudgetError('bytes', this.deps.maxEventBytes);
        this.deps.onEventBudget(id, err);
      }
    } else {
      this.deps.log.append(id, e);
    }
    this.deps.onEvent?.(id, e);
  }

  private mutable(id: string): RunRecord {
    const live = this.live.get(id);
    if (live) return live.run;
    // Not executing (approve, cancel of a queued run, restart of an agent): every caller of
    // this path stores the record right after changing it.
    const run = this.deps.runs.get(id);
    if (!run) throw new Error(`run ${id} is not in the store`);
    return run;
  }

  private save(run: RunRecord): void {
    run.updatedAt = new Date().toISOString();
    this.deps.runs.update(run);
  }
}

function snapshot(run: RunRecord): RunRecord {
  return { ...run, counts: { ...run.counts }, usage: { ...run.usage } };
}
