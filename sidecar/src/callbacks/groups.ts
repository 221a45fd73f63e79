import { randomUUID } from 'node:crypto';
import { TERMINAL_STATUSES, type RunRecord, type RunStatus } from '../core/types';
import { CallbackGroupExistsError, CallbackGroupLimitError, GroupRunsNotFoundError } from './errors';
import { conditionHolds, groupPayload, normalizeGroupSpec, type NormalizedGroupSpec } from './group-spec';
import type { GroupStore, StoredGroup } from './group-store';
import type { CallbackHosts } from './hosts';
import { redactUrl } from './spec';
import type { CallbackGroup, CallbackGroupSpec, CallbackLogger, CallbackRunSource, GroupPayload } from './types';

/** Final statuses remembered at most; the memory is dropped whole beyond (it only saves reads). */
const FINAL_CACHE_SIZE = 100_000;

/** What a group registration comes to. */
export type GroupRegistration =
  | { readonly registered: true; readonly created: boolean; readonly group: CallbackGroup; readonly met: boolean }
  /** `ifAlreadyMet: 'answer'` and the condition held: nothing stored, the body is the answer. */
  | { readonly registered: false; readonly met: true; readonly payload: GroupPayload };

export interface GroupCallbacksOptions {
  readonly store: GroupStore;
  readonly runs: CallbackRunSource;
  readonly hosts: CallbackHosts;
  readonly maxGroupRuns: number;
  readonly log: CallbackLogger;
  readonly now: () => number;
  /** Told when a group's delivery became due, so the sender looks at the outbox. */
  readonly onDue: () => void;
}

/**
 * Groups of runs with one callback (POST /v1/callbacks): registration, and the check of a
 * group's condition whenever one of its runs changes state (and at start, for changes made
 * while nothing was listening). The delivery itself goes through CallbackService's outbox.
 */
export class GroupCallbacks {
  private readonly final = new Map<string, RunStatus>();

  constructor(private readonly o: GroupCallbacksOptions) {}

  async register(spec: CallbackGroupSpec): Promise<GroupRegistration> {
    const n = normalizeGroupSpec(spec);
    if (n.runIds.length > this.o.maxGroupRuns) throw new CallbackGroupLimitError(n.runIds.length, this.o.maxGroupRuns);
    const missing = n.distinct.filter((id) => !this.o.runs.getRun(id));
    if (missing.length) throw new GroupRunsNotFoundError(missing);
    await this.o.hosts.check(new URL(n.url));

    // From here on nothing awaits: a status change cannot slip between this look and the stored group.
    const existing = this.o.store.byUrl(n.url);
    if (existing) {
      if (!sameGroup(existing, n)) throw new CallbackGroupExistsError(existing.id);
      return { registered: true, created: false, group: publicGroup(existing), met: existing.state !== 'open' };
    }
    const runs = this.runsOf(n.distinct);
    const holds = conditionHolds(n, runs);
    if (holds && spec.ifAlreadyMet === 'answer') {
      return { registered: false, met: true, payload: groupPayload({ ...n, id: null }, n.distinct, runs) };
    }
    const stored = this.o.store.insert({ id: randomUUID(), ...n }, this.o.now());
    this.o.log.info(
      { groupId: stored.id, runs: n.distinct.length, wait: n.wait, count: n.count, url: redactUrl(n.url) },
      'callback group registered',
    );
    if (holds) this.settle(stored, runs);
    return { registered: true, created: true, group: publicGroup(this.o.store.get(stored.id) ?? stored), met: holds };
  }

  get(id: string): CallbackGroup | null {
    const g = this.o.store.get(id);
    return g ? publicGroup(g) : null;
  }

  /** Drops the remembered final status of a run that changed state. */
  forget(runId: string): void {
    this.final.delete(runId);
  }

  /** A run changed state: its open groups are checked. */
  runChanged(runId: string): void {
    for (const g of this.o.store.openGroupsOf(runId)) this.check(g);
  }

  /** Every open group is checked (at start: runs may have ended while the sidecar was down). */
  checkAll(): number {
    let settled = 0;
    for (const g of this.o.store.openGroups()) if (this.check(g)) settled++;
    return settled;
  }

  private check(g: StoredGroup): boolean {
    if (!conditionHolds(g, this.statusesOf(g.distinct))) return false;
    return this.settle(g, this.runsOf(g.distinct));
  }

  /** The runs' statuses, read only as far as the condition check goes. */
  private *statusesOf(ids: readonly string[]): Generator<{ readonly status: RunStatus } | null> {
    for (const id of ids) yield this.statusOf(id);
  }

  /**
   * A run's status for a condition check. Final statuses never change, so they are remembered:
   * a group of 1,000 runs is checked on each of their 1,000 ends without reading (and parsing)
   * every finished run's stored record, result included, each time.
   */
  private statusOf(id: string): { readonly status: RunStatus } | null {
    const known = this.final.get(id);
    if (known) return { status: known };
    const run = this.o.runs.getRun(id);
    if (run && TERMINAL_STATUSES.includes(run.status)) {
      if (this.final.size >= FINAL_CACHE_SIZE) this.final.clear();
      this.final.set(id, run.status);
    }
    return run;
  }

  private settle(g: StoredGroup, runs: readonly (RunRecord | null)[]): boolean {
    const body = JSON.stringify(groupPayload(g, g.distinct, runs));
    if (!this.o.store.settle(g.id, body, this.o.now())) return false;
    this.o.log.info({ groupId: g.id, wait: g.wait }, 'callback group condition met: delivery enqueued');
    this.o.onDue();
    return true;
  }

  private runsOf(ids: readonly string[]): (RunRecord | null)[] {
    return ids.map((id) => this.o.runs.getRun(id));
  }
}

function sameGroup(g: StoredGroup, n: NormalizedGroupSpec): boolean {
  return (
    g.wait === n.wait &&
    g.count === n.count &&
    JSON.stringify(g.runIds) === JSON.stringify(n.runIds) &&
    JSON.stringify([...g.events].sort()) === JSON.stringify([...n.events].sort())
  );
}

function publicGroup(g: StoredGroup): CallbackGroup {
  const { distinct: _d, body: _b, nextAttemptAt: _n, ...rest } = g;
  return rest;
}
