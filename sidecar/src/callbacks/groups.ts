import { randomUUID } from 'node:crypto';
import type { CallbackStore, StoredGroup } from '../core/callback-store';
import { TERMINAL_STATUSES, type RunRecord, type RunStatus } from '../core/types';
import { CallbackGroupExistsError, CallbackGroupLimitError, GroupRunsNotFoundError } from './errors';
import { conditionHolds, groupPayload, hasEnded, normalizeGroupSpec, type NormalizedGroupSpec } from './group-spec';
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
  readonly store: CallbackStore;
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
    const known = await this.runsOf(n.distinct);
    const missing = n.distinct.filter((_id, i) => !known[i]);
    if (missing.length) throw new GroupRunsNotFoundError(missing);
    await this.o.hosts.check(new URL(n.url));

    const existing = await this.o.store.groupByUrl(n.url);
    if (existing) return this.again(existing, n);
    if (spec.ifAlreadyMet === 'answer' && conditionHolds(n, known)) {
      return { registered: false, met: true, payload: groupPayload({ ...n, id: null }, n.distinct, known) };
    }
    const stored = await this.o.store.insertGroup({ id: randomUUID(), ...n }, this.o.now());
    if (!stored) {
      // Another registration of this URL (here or in another process) was stored in between.
      const winner = await this.o.store.groupByUrl(n.url);
      if (winner) return this.again(winner, n);
      throw new CallbackGroupExistsError('(unknown)');
    }
    this.o.log.info(
      { groupId: stored.id, runs: n.distinct.length, wait: n.wait, count: n.count, url: redactUrl(n.url) },
      'callback group registered',
    );
    // Read after the group is stored: a status change from now on finds the group (runChanged),
    // one before it is in this read, so none slips between the two.
    const runs = await this.runsOf(n.distinct);
    const holds = conditionHolds(n, runs) && (await this.settle(stored, runs));
    return { registered: true, created: true, group: publicGroup((await this.o.store.group(stored.id)) ?? stored), met: holds };
  }

  async get(id: string): Promise<CallbackGroup | null> {
    const g = await this.o.store.group(id);
    return g ? publicGroup(g) : null;
  }

  /** The same URL registered again: the same group is answered, another one is refused. */
  private again(existing: StoredGroup, n: NormalizedGroupSpec): GroupRegistration {
    if (!sameGroup(existing, n)) throw new CallbackGroupExistsError(existing.id);
    return { registered: true, created: false, group: publicGroup(existing), met: existing.state !== 'open' };
  }

  /** Drops the remembered final status of a run that changed state. */
  forget(runId: string): void {
    this.final.delete(runId);
  }

  /** A run changed state: its open groups are checked. */
  async runChanged(runId: string): Promise<void> {
    for (const g of await this.o.store.openGroupsOf(runId)) await this.check(g);
  }

  /** Every open group is checked (at start: runs may have ended while the sidecar was down). */
  async checkAll(): Promise<number> {
    let settled = 0;
    for (const g of await this.o.store.openGroups()) if (await this.check(g)) settled++;
    return settled;
  }

  private async check(g: StoredGroup): Promise<boolean> {
    if (!conditionHolds(g, await this.statusesOf(g))) return false;
    return this.settle(g, await this.runsOf(g.distinct));
  }

  /**
   * The runs' statuses, read in order only until the condition is decided (as `conditionHolds`
   * reads them): `all` fails at the first run that has not ended, `first` holds at a converged
   * run, `any` at its `count`-th ended run.
   */
  private async statusesOf(g: StoredGroup): Promise<({ readonly status: RunStatus } | null)[]> {
    const out: ({ readonly status: RunStatus } | null)[] = [];
    let ended = 0;
    for (const id of g.distinct) {
      const run = await this.statusOf(id);
      out.push(run);
      const hasIt = hasEnded(run, g.events);
      if (hasIt) ended++;
      if (g.wait === 'all' && !hasIt) break;
      if (g.wait === 'first' && run?.status === 'converged') break;
      if (g.wait === 'any' && ended >= (g.count ?? 1)) break;
    }
    return out;
  }

  /**
   * A run's status for a condition check. Final statuses never change, so they are remembered:
   * a group of 1,000 runs is checked on each of their 1,000 ends without reading (and parsing)
   * every finished run's stored record, result included, each time.
   */
  private async statusOf(id: string): Promise<{ readonly status: RunStatus } | null> {
    const known = this.final.get(id);
    if (known) return { status: known };
    const run = await this.o.runs.getRun(id);
    if (run && TERMINAL_STATUSES.includes(run.status)) {
      if (this.final.size >= FINAL_CACHE_SIZE) this.final.clear();
      this.final.set(id, run.status);
    }
    return run;
  }

  private async settle(g: StoredGroup, runs: readonly (RunRecord | null)[]): Promise<boolean> {
    const body = JSON.stringify(groupPayload(g, g.distinct, runs));
    if (!(await this.o.store.settleGroup(g.id, body, this.o.now()))) return false;
    this.o.log.info({ groupId: g.id, wait: g.wait }, 'callback group condition met: delivery enqueued');
    this.o.onDue();
    return true;
  }

  private runsOf(ids: readonly string[]): Promise<(RunRecord | null)[]> {
    return Promise.all(ids.map((id) => this.o.runs.getRun(id)));
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
