import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import type { CallbackEvent } from '../core/types';
import type { CallbackDelivery, CallbackRegistration, DeliveryState } from './types';

type Row = Record<string, SQLOutputValue>;

/** A delivery row with the body it will POST. */
export interface DueDelivery extends CallbackDelivery {
  readonly body: string;
}

function str(row: Row, key: string): string {
  return String(row[key]);
}

function toRegistration(row: Row): CallbackRegistration {
  return {
    id: str(row, 'id'),
    runId: str(row, 'run_id'),
    url: str(row, 'url'),
    events: JSON.parse(str(row, 'events')) as CallbackEvent[],
    createdAt: str(row, 'created_at'),
  };
}

function toDelivery(row: Row): DueDelivery {
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
    httpStatus: row.http_status === null ? null : Number(row.http_status),
    createdAt: str(row, 'created_at'),
    updatedAt: str(row, 'updated_at'),
    body: str(row, 'body'),
  };
}

const FIRST_IN_LINE = `NOT EXISTS (SELECT 1 FROM callback_deliveries e
  WHERE e.registration_id = d.registration_id AND e.id < d.id AND e.state IN ('pending', 'delivering'))`;

function prepare(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    upsertRegistration: p(`INSERT INTO callback_registrations (id, run_id, url, events, created_at)
      VALUES ($id, $runId, $url, $events, $createdAt)
      ON CONFLICT (run_id, url) DO UPDATE SET events = excluded.events`),
    registrationByUrl: p('SELECT * FROM callback_registrations WHERE run_id = $runId AND url = $url'),
    registrationsOfRun: p('SELECT * FROM callback_registrations WHERE run_id = $runId ORDER BY created_at, id'),
    // Registrations that have not had a final status delivered (or given up): their run may have
    // ended while nothing was listening (the sidecar was down, or another process ran it).
    openRegistrations: p(`SELECT * FROM callback_registrations r WHERE NOT EXISTS (SELECT 1 FROM callback_deliveries d
      WHERE d.registration_id = r.id AND d.status IN ('converged', 'failed', 'cancelled')) ORDER BY r.created_at, r.id`),
    enqueue: p(`INSERT OR IGNORE INTO callback_deliveries
      (registration_id, run_id, url, status, body, state, attempts, next_attempt_at, created_at, updated_at)
      VALUES ($registrationId, $runId, $url, $status, $body, 'pending', 0, $nextAttemptAt, $at, $at)`),
    // One registration's deliveries go out in order, one at a time: n8n resumes a wait with the
    // first POST it accepts, so awaiting_approval must not overtake (or race) an earlier status.
    due: p(`SELECT * FROM callback_deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= $now AND ${FIRST_IN_LINE}
      ORDER BY d.next_attempt_at, d.id LIMIT $limit`),
    nextDue: p(`SELECT MIN(d.next_attempt_at) AS at FROM callback_deliveries d WHERE d.state = 'pending' AND ${FIRST_IN_LINE}`),
    markDelivering: p(`UPDATE callback_deliveries SET state = 'delivering', attempts = attempts + 1, updated_at = $at
      WHERE id = $id AND state = 'pending'`),
    finish: p(`UPDATE callback_deliveries SET state = $state, http_status = $httpStatus, last_error = $lastError,
      next_attempt_at = $nextAttemptAt, updated_at = $at WHERE id = $id`),
    requeueInterrupted: p(`UPDATE callback_deliveries SET state = 'pending', next_attempt_at = $now, updated_at = $at
      WHERE state = 'delivering'`),
    byId: p('SELECT * FROM callback_deliveries WHERE id = $id'),
    ofRun: p('SELECT * FROM callback_deliveries WHERE run_id = $runId ORDER BY id'),
  };
}
type Statements = ReturnType<typeof prepare>;

/** The callback tables: registrations per run, and one delivery per registration and status. */
export class CallbackStore {
  private readonly stmts: Statements;

  constructor(db: DatabaseSync) {
    this.stmts = prepare(db);
  }

  /** Registers `url` for the run, or replaces the events of an existing registration of that URL. */
  upsertRegistration(reg: CallbackRegistration): CallbackRegistration {
    this.stmts.upsertRegistration.run({
      id: reg.id,
      runId: reg.runId,
      url: reg.url,
      events: JSON.stringify(reg.events),
      createdAt: reg.createdAt,
    });
    const row = this.stmts.registrationByUrl.get({ runId: reg.runId, url: reg.url }) as Row;
    return toRegistration(row);
  }

  registrations(runId: string): CallbackRegistration[] {
    return (this.stmts.registrationsOfRun.all({ runId }) as Row[]).map(toRegistration);
  }

  /** Registrations still waiting for a final status of their run. */
  openRegistrations(): CallbackRegistration[] {
    return (this.stmts.openRegistrations.all() as Row[]).map(toRegistration);
  }

  /** Returns false when this registration already has a delivery for this status (the unique key). */
  enqueue(reg: CallbackRegistration, status: CallbackEvent, body: string, now: number): boolean {
    const res = this.stmts.enqueue.run({
      registrationId: reg.id,
      runId: reg.runId,
      url: reg.url,
      status,
      body,
      nextAttemptAt: now,
      at: new Date(now).toISOString(),
    });
    return Number(res.changes) > 0;
  }

  due(now: number, limit: number): DueDelivery[] {
    return (this.stmts.due.all({ now, limit }) as Row[]).map(toDelivery);
  }

  nextDueAt(): number | null {
    const row = this.stmts.nextDue.get() as Row | undefined;
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  /** Claims a pending delivery; false if something else claimed it first. */
  markDelivering(id: number, now: number): boolean {
    return Number(this.stmts.markDelivering.run({ id, at: new Date(now).toISOString() }).changes) > 0;
  }

  finish(
    id: number,
    state: DeliveryState,
    fields: { httpStatus: number | null; lastError: string | null; nextAttemptAt: number },
    now: number,
  ): void {
    this.stmts.finish.run({ id, state, ...fields, at: new Date(now).toISOString() });
  }

  /** A delivery left `delivering` was cut off by a stop or crash: its POST may or may not have arrived. */
  requeueInterrupted(now: number): number {
    return Number(this.stmts.requeueInterrupted.run({ now, at: new Date(now).toISOString() }).changes);
  }

  get(id: number): DueDelivery | null {
    const row = this.stmts.byId.get({ id }) as Row | undefined;
    return row ? toDelivery(row) : null;
  }

  deliveries(runId: string): DueDelivery[] {
    return (this.stmts.ofRun.all({ runId }) as Row[]).map(toDelivery);
  }
}
