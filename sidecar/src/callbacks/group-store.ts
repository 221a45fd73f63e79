import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import type { CallbackEvent } from '../core/types';
import type { CallbackGroup, DeliveryState, GroupState, GroupWait } from './types';

type Row = Record<string, SQLOutputValue>;

// A group is its own outbox row: `open` while its condition does not hold, then `pending` with
// the body fixed once (the open → pending update is conditional, so only one caller wins), then
// the same delivery states as a run's callback. The tables: store/migrations/sqlite.ts (step 3).

/** A group with what its delivery needs. */
export interface StoredGroup extends CallbackGroup {
  /** Each run once, in the order of first mention. */
  readonly distinct: readonly string[];
  readonly body: string | null;
  readonly nextAttemptAt: number | null;
}

const str = (row: Row, key: string): string => String(row[key]);
const numOrNull = (row: Row, key: string): number | null => (row[key] === null ? null : Number(row[key]));

function toGroup(row: Row): StoredGroup {
  const runIds = JSON.parse(str(row, 'run_ids')) as string[];
  return {
    id: str(row, 'id'),
    url: str(row, 'url'),
    runIds,
    distinct: [...new Set(runIds)],
    wait: str(row, 'wait') as GroupWait,
    count: numOrNull(row, 'count'),
    events: JSON.parse(str(row, 'events')) as CallbackEvent[],
    state: str(row, 'state') as GroupState,
    attempts: Number(row.attempts),
    httpStatus: numOrNull(row, 'http_status'),
    lastError: row.last_error === null ? null : str(row, 'last_error'),
    createdAt: str(row, 'created_at'),
    updatedAt: str(row, 'updated_at'),
    body: row.body === null ? null : str(row, 'body'),
    nextAttemptAt: numOrNull(row, 'next_attempt_at'),
  };
}

function prepare(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insert: p(`INSERT INTO callback_groups (id, url, run_ids, wait, count, events, state, created_at, updated_at)
      VALUES ($id, $url, $runIds, $wait, $count, $events, 'open', $at, $at)`),
    member: p('INSERT OR IGNORE INTO callback_group_runs (group_id, run_id) VALUES ($groupId, $runId)'),
    byId: p('SELECT * FROM callback_groups WHERE id = $id'),
    byUrl: p('SELECT * FROM callback_groups WHERE url = $url'),
    openOfRun: p(`SELECT g.* FROM callback_groups g JOIN callback_group_runs m ON m.group_id = g.id
      WHERE m.run_id = $runId AND g.state = 'open' ORDER BY g.created_at, g.id`),
    open: p(`SELECT * FROM callback_groups WHERE state = 'open' ORDER BY created_at, id`),
    settle: p(`UPDATE callback_groups SET state = 'pending', body = $body, next_attempt_at = $now, updated_at = $at
      WHERE id = $id AND state = 'open'`),
    due: p(`SELECT * FROM callback_groups WHERE state = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at, id LIMIT $limit`),
    nextDue: p(`SELECT MIN(next_attempt_at) AS at FROM callback_groups WHERE state = 'pending'`),
    markDelivering: p(`UPDATE callback_groups SET state = 'delivering', attempts = attempts + 1, updated_at = $at
      WHERE id = $id AND state = 'pending'`),
    finish: p(`UPDATE callback_groups SET state = $state, http_status = $httpStatus, last_error = $lastError,
      next_attempt_at = $nextAttemptAt, updated_at = $at WHERE id = $id`),
    requeueInterrupted: p(`UPDATE callback_groups SET state = 'pending', next_attempt_at = $now, updated_at = $at
      WHERE state = 'delivering'`),
  };
}

/** The group tables: one row per group (its delivery inline), and its runs for lookups by run. */
export class GroupStore {
  private readonly stmts: ReturnType<typeof prepare>;

  constructor(private readonly db: DatabaseSync) {
    this.stmts = prepare(db);
  }

  /** Stores an open group with its runs, in one transaction. */
  insert(
    group: { id: string; url: string; runIds: readonly string[]; wait: GroupWait; count: number | null; events: readonly CallbackEvent[] },
    now: number,
  ): StoredGroup {
    const at = new Date(now).toISOString();
    this.db.exec('BEGIN');
    try {
      this.stmts.insert.run({
        id: group.id,
        url: group.url,
        runIds: JSON.stringify(group.runIds),
        wait: group.wait,
        count: group.count,
        events: JSON.stringify(group.events),
        at,
      });
      for (const runId of new Set(group.runIds)) this.stmts.member.run({ groupId: group.id, runId });
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    return this.get(group.id)!;
  }

  get(id: string): StoredGroup | null {
    const row = this.stmts.byId.get({ id }) as Row | undefined;
    return row ? toGroup(row) : null;
  }

  byUrl(url: string): StoredGroup | null {
    const row = this.stmts.byUrl.get({ url }) as Row | undefined;
    return row ? toGroup(row) : null;
  }

  openGroupsOf(runId: string): StoredGroup[] {
    return (this.stmts.openOfRun.all({ runId }) as Row[]).map(toGroup);
  }

  openGroups(): StoredGroup[] {
    return (this.stmts.open.all() as Row[]).map(toGroup);
  }

  /** Fixes the body and makes the delivery due; false when the group was not open (another caller settled it). */
  settle(id: string, body: string, now: number): boolean {
    return Number(this.stmts.settle.run({ id, body, now, at: new Date(now).toISOString() }).changes) > 0;
  }

  due(now: number, limit: number): StoredGroup[] {
    return (this.stmts.due.all({ now, limit }) as Row[]).map(toGroup);
  }

  nextDueAt(): number | null {
    const row = this.stmts.nextDue.get() as Row | undefined;
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  markDelivering(id: string, now: number): boolean {
    return Number(this.stmts.markDelivering.run({ id, at: new Date(now).toISOString() }).changes) > 0;
  }

  finish(
    id: string,
    state: DeliveryState,
    fields: { httpStatus: number | null; lastError: string | null; nextAttemptAt: number },
    now: number,
  ): void {
    this.stmts.finish.run({ id, state, ...fields, at: new Date(now).toISOString() });
  }

  requeueInterrupted(now: number): number {
    return Number(this.stmts.requeueInterrupted.run({ now, at: new Date(now).toISOString() }).changes);
  }
}
