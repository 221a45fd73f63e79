import type { CallbackRegistration, DeliveryState, DueDelivery, GroupState, GroupWait, StoredGroup } from '../core/callback-store';
import type { CallbackEvent } from '../core/types';

// The callback tables' statements, written once for both databases: Postgres' `$n` parameters
// (SQLite runs them as `?n`, see `sqliteParams`), and only syntax both accept (ON CONFLICT,
// RETURNING). Postgres adds row locks to a claim (`FOR UPDATE SKIP LOCKED`): two processes
// claiming at once skip each other's rows instead of waiting or claiming them twice.

/** A row as either driver returns it: SQLite gives numbers, Postgres gives bigint as text and jsonb parsed. */
export type Row = Record<string, unknown>;

/** `$1` → `?1`: SQLite's numbered parameters, bound by position. */
export const sqliteParams = (sql: string): string => sql.replace(/\$(\d+)/g, '?$1');

// One registration's deliveries go out in order, one at a time: n8n resumes a wait with the
// first POST it accepts, so awaiting_approval must not overtake (or race) an earlier status.
const FIRST_IN_LINE = `NOT EXISTS (SELECT 1 FROM callback_deliveries e
  WHERE e.registration_id = d.registration_id AND e.id < d.id AND e.state IN ('pending', 'delivering'))`;

/** Due now: pending and its time has come, or claimed by a process whose lease ended (it died mid-POST). */
const CLAIMABLE = (t: string) => `((${t}state = 'pending' AND ${t}next_attempt_at <= $1)
  OR (${t}state = 'delivering' AND COALESCE(${t}claimed_until, 0) <= $1))`;

type Outbox = 'callback_deliveries' | 'callback_groups';
const lineOf = (table: Outbox): string => (table === 'callback_deliveries' ? FIRST_IN_LINE : 'TRUE');

/** $1 now, $2 lease end, $3 updated_at, $4 limit. The outer condition is checked again on the row as locked. */
export function claimSql(table: Outbox, rowLocks: boolean): string {
  return `UPDATE ${table} SET state = 'delivering', attempts = attempts + 1, claimed_until = $2, updated_at = $3
    WHERE id IN (SELECT d.id FROM ${table} d WHERE ${CLAIMABLE('d.')} AND ${lineOf(table)}
      ORDER BY d.next_attempt_at, d.id LIMIT $4${rowLocks ? ' FOR UPDATE SKIP LOCKED' : ''})
    AND ${CLAIMABLE('')}
    RETURNING *`;
}

/** $1 state, $2 http status, $3 last error, $4 next attempt, $5 updated_at, $6 id, $7 the claim's token (attempts). */
export const finishSql = (table: Outbox): string =>
  `UPDATE ${table} SET state = $1, http_status = $2, last_error = $3, next_attempt_at = $4, claimed_until = NULL, updated_at = $5
    WHERE id = $6 AND state = 'delivering' AND attempts = $7`;

/** $1 now, $2 updated_at. */
export const requeueSql = (table: Outbox, onlyEnded: boolean): string =>
  `UPDATE ${table} SET state = 'pending', next_attempt_at = $1, claimed_until = NULL, updated_at = $2
    WHERE state = 'delivering'${onlyEnded ? ' AND COALESCE(claimed_until, 0) <= $1' : ''}`;

const soonest = (
  table: Outbox,
) => `SELECT MIN(CASE WHEN d.state = 'pending' THEN d.next_attempt_at ELSE COALESCE(d.claimed_until, 0) END) AS at
    FROM ${table} d WHERE d.state IN ('pending', 'delivering') AND ${lineOf(table)}`;

export const NEXT_DUE = `SELECT MIN(at) AS at FROM (${soonest('callback_deliveries')} UNION ALL ${soonest('callback_groups')}) AS due`;

export const SQL = {
  /** $1 id, $2 run, $3 url, $4 events, $5 created_at. */
  upsertRegistration: `INSERT INTO callback_registrations (id, run_id, url, events, created_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (run_id, url) DO UPDATE SET events = excluded.events RETURNING *`,
  registrationsOfRun: 'SELECT * FROM callback_registrations WHERE run_id = $1 ORDER BY created_at, id',
  // Registrations without a final status enqueued: their run may have ended while nothing was
  // listening (the sidecar was down, or another process ran it).
  openRegistrations: `SELECT * FROM callback_registrations r WHERE NOT EXISTS (SELECT 1 FROM callback_deliveries d
    WHERE d.registration_id = r.id AND d.status IN ('converged', 'failed', 'cancelled')) ORDER BY r.created_at, r.id`,
  /** $1 registration, $2 run, $3 url, $4 status, $5 body, $6 due at, $7 created_at. */
  enqueue: `INSERT INTO callback_deliveries
    (registration_id, run_id, url, status, body, state, attempts, next_attempt_at, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7) ON CONFLICT DO NOTHING`,
  delivery: 'SELECT * FROM callback_deliveries WHERE id = $1',
  deliveriesOfRun: 'SELECT * FROM callback_deliveries WHERE run_id = $1 ORDER BY id',

  /** $1 id, $2 url, $3 run ids, $4 wait, $5 count, $6 events, $7 created_at. */
  insertGroup: `INSERT INTO callback_groups (id, url, run_ids, wait, count, events, state, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7) ON CONFLICT DO NOTHING RETURNING *`,
  groupMember: 'INSERT INTO callback_group_runs (group_id, run_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  group: 'SELECT * FROM callback_groups WHERE id = $1',
  groupByUrl: 'SELECT * FROM callback_groups WHERE url = $1',
  openGroupsOf: `SELECT g.* FROM callback_groups g JOIN callback_group_runs m ON m.group_id = g.id
    WHERE m.run_id = $1 AND g.state = 'open' ORDER BY g.created_at, g.id`,
  openGroups: `SELECT * FROM callback_groups WHERE state = 'open' ORDER BY created_at, id`,
  /** $1 id, $2 body, $3 due at, $4 updated_at. Conditional: only one caller moves a group out of `open`. */
  settleGroup: `UPDATE callback_groups SET state = 'pending', body = $2, next_attempt_at = $3, updated_at = $4
    WHERE id = $1 AND state = 'open'`,
} as const;

const str = (row: Row, key: string): string => String(row[key]);
const numOrNull = (row: Row, key: string): number | null => (row[key] === null || row[key] === undefined ? null : Number(row[key]));
/** SQLite stores JSON as text; Postgres' jsonb arrives parsed. */
const json = <T>(row: Row, key: string): T => (typeof row[key] === 'string' ? (JSON.parse(row[key]) as T) : (row[key] as T));

export function toRegistration(row: Row): CallbackRegistration {
  return {
    id: str(row, 'id'),
    runId: str(row, 'run_id'),
    url: str(row, 'url'),
    events: json<CallbackEvent[]>(row, 'events'),
    createdAt: str(row, 'created_at'),
  };
}

export function toDelivery(row: Row): DueDelivery {
  return {
    id: Number(row.id),
    registrationId: str(row, 'registration_id'),
    runId: str(row, 'run_id'),
    url: str(row, 'url'),
    status: str(row, 'status') as CallbackEvent,
    state: str(row, 'state') as DeliveryState,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error === null ? null : str(row, 'last_error'),
    httpStatus: numOrNull(row, 'http_status'),
    createdAt: str(row, 'created_at'),
    updatedAt: str(row, 'updated_at'),
    body: str(row, 'body'),
  };
}

export function toGroup(row: Row): StoredGroup {
  const runIds = json<string[]>(row, 'run_ids');
  return {
    id: str(row, 'id'),
    url: str(row, 'url'),
    runIds,
    distinct: [...new Set(runIds)],
    wait: str(row, 'wait') as GroupWait,
    count: numOrNull(row, 'count'),
    events: json<CallbackEvent[]>(row, 'events'),
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

/** Claimed rows in the order they fell due (RETURNING keeps no order). */
export const byDue = <T extends { readonly id: number | string; readonly nextAttemptAt: number | null }>(rows: T[]): T[] =>
  rows.sort((a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
