import type { DatabaseSync } from 'node:sqlite';
import { TERMINAL_STATUSES } from '../core/types';

const DAY_MS = 86_400_000;

/** Options of one prune. */
export interface PruneOptions {
  /** Finished runs whose last change is older than this many days go; must be > 0. */
  readonly days: number;
  /** Runs deleted per transaction, so a large backlog never holds the database for long. @default 200 */
  readonly batchSize?: number;
  readonly now?: () => number;
}

/** Rows a prune deleted, per table. */
export interface PruneResult {
  runs: number;
  events: number;
  agents: number;
  callbackDeliveries: number;
  callbackRegistrations: number;
  /** Callback groups whose runs are all gone and whose one delivery is not waiting to be sent. */
  callbackGroups: number;
}

const TERMINAL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Runs that may go: finished (converged, failed, cancelled) before the cutoff, and not the
 * parent of an unfinished rerun (a rerun replays from its parent's journal).
 */
const DOOMED = `SELECT id FROM runs r
  WHERE r.status IN (${TERMINAL})
    AND COALESCE(json_extract(r.record, '$.updatedAt'), r.created_at) < ?
    AND NOT EXISTS (SELECT 1 FROM runs c WHERE c.status NOT IN (${TERMINAL}) AND json_extract(c.record, '$.parentId') = r.id)
  ORDER BY r.ord LIMIT ?`;

/**
 * Deletes old finished runs with their events, journal rows and callback outbox. A run that
 * is not in a terminal state is never touched, however old. Each batch is one transaction:
 * a run goes with all its rows or not at all.
 */
export function pruneRuns(db: DatabaseSync, opts: PruneOptions): PruneResult {
  const batchSize = checkPruneOptions(opts);
  const cutoff = new Date((opts.now ?? Date.now)() - opts.days * DAY_MS).toISOString();
  const callbacks = hasTable(db, 'callback_deliveries') && hasTable(db, 'callback_registrations');
  const groups = hasTable(db, 'callback_groups') && hasTable(db, 'callback_group_runs');
  const doomed = db.prepare(DOOMED);
  const out: PruneResult = { runs: 0, events: 0, agents: 0, callbackDeliveries: 0, callbackRegistrations: 0, callbackGroups: 0 };
  for (;;) {
    const ids = (doomed.all(cutoff, batchSize) as unknown as { id: string }[]).map((r) => r.id);
    if (ids.length === 0) return out;
    deleteBatch(db, ids, { callbacks, groups }, out);
    if (ids.length < batchSize) return out;
  }
}

// A group goes with its last run, unless its delivery is still to be sent (its body is fixed then).
const ORPHAN_GROUPS = `DELETE FROM callback_groups WHERE state NOT IN ('pending', 'delivering')
  AND NOT EXISTS (SELECT 1 FROM callback_group_runs m WHERE m.group_id = callback_groups.id)`;

function deleteBatch(db: DatabaseSync, ids: string[], tables: { callbacks: boolean; groups: boolean }, out: PruneResult): void {
  const marks = ids.map(() => '?').join(', ');
  const del = (table: string, column: string): number =>
    Number(db.prepare(`DELETE FROM ${table} WHERE ${column} IN (${marks})`).run(...ids).changes);
  db.exec('BEGIN');
  try {
    out.events += del('events', 'run_id');
    out.agents += del('agents', 'run_id');
    if (hasTable(db, 'mcp_tools')) del('mcp_tools', 'run_id');
    del('child_scripts', 'run_id');
    if (tables.callbacks) {
      // Deliveries first: they reference their registration.
      out.callbackDeliveries += del('callback_deliveries', 'run_id');
      out.callbackRegistrations += del('callback_registrations', 'run_id');
    }
    if (tables.groups) {
      del('callback_group_runs', 'run_id');
      out.callbackGroups += Number(db.prepare(ORPHAN_GROUPS).run().changes);
    }
    out.runs += del('runs', 'id');
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Checks prune options; returns the batch size. */
export function checkPruneOptions(opts: PruneOptions): number {
  if (!Number.isFinite(opts.days) || opts.days <= 0) throw new RangeError(`Expected \`days\` to be a number > 0, got ${opts.days}`);
  const batchSize = opts.batchSize ?? 200;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Expected \`batchSize\` to be an integer >= 1, got ${batchSize}`);
  return batchSize;
}

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Options of the periodic prune while the sidecar serves. */
export interface PruneScheduleOptions extends PruneOptions {
  /** Time between prunes; the first runs at once. @default 3_600_000 (hourly) */
  readonly everyMs?: number;
  readonly onPrune?: (result: PruneResult) => void;
  readonly onError?: (err: unknown) => void;
}

/**
 * Prunes now and then every `everyMs` on an unref'd timer (it never keeps the process alive).
 * Returns the function that stops it.
 */
export function schedulePrune(
  db: DatabaseSync | { prune(opts: PruneOptions): Promise<PruneResult> },
  opts: PruneScheduleOptions,
): () => void {
  checkPruneOptions(opts);
  const everyMs = opts.everyMs ?? 3_600_000;
  if (!Number.isFinite(everyMs) || everyMs < 1) throw new RangeError(`Expected \`everyMs\` to be a number >= 1, got ${everyMs}`);
  const tick = () => {
    if ('prune' in db) {
      db.prune(opts).then(
        (deleted) => opts.onPrune?.(deleted),
        (err: unknown) => opts.onError?.(err),
      );
      return;
    }
    try {
      // Not `onPrune?.(pruneRuns(…))`: an optional call skips its arguments when there is no callback.
      const deleted = pruneRuns(db, opts);
      opts.onPrune?.(deleted);
    } catch (err) {
      opts.onError?.(err);
    }
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
