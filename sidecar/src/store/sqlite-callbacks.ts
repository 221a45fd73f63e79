import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { AttemptEnd, CallbackRegistration, CallbackStore, DueDelivery, NewGroup, StoredGroup } from '../core/callback-store';
import type { CallbackEvent } from '../core/types';
import {
  byDue,
  claimSql,
  finishSql,
  NEXT_DUE,
  requeueSql,
  type Row,
  SQL,
  sqliteParams,
  toDelivery,
  toGroup,
  toRegistration,
} from './callback-sql';

/**
 * The callbacks on the embedded SQLite database (tables: migrations/sqlite.ts, steps 2, 3 and 5).
 * One process owns a data folder (`sidecar.lock`), so a claim still `delivering` when a service
 * starts was cut off by a stop or crash, and `requeueInterrupted` makes every one due again.
 * Each call does its work synchronously and returns a settled promise.
 */
export class SqliteCallbackStore implements CallbackStore {
  readonly kind = 'sqlite';
  private readonly cache = new Map<string, StatementSync>();

  constructor(private readonly db: DatabaseSync) {}

  async upsertRegistration(reg: CallbackRegistration): Promise<CallbackRegistration> {
    return toRegistration(this.one(SQL.upsertRegistration, reg.id, reg.runId, reg.url, JSON.stringify(reg.events), reg.createdAt)!);
  }

  async registrations(runId: string): Promise<CallbackRegistration[]> {
    return this.all(SQL.registrationsOfRun, runId).map(toRegistration);
  }

  async openRegistrations(): Promise<CallbackRegistration[]> {
    return this.all(SQL.openRegistrations).map(toRegistration);
  }

  async enqueue(reg: CallbackRegistration, status: CallbackEvent, body: string, now: number): Promise<boolean> {
    return this.run(SQL.enqueue, reg.id, reg.runId, reg.url, status, body, now, iso(now)) > 0;
  }

  async delivery(id: number): Promise<DueDelivery | null> {
    const row = this.one(SQL.delivery, id);
    return row ? toDelivery(row) : null;
  }

  async deliveries(runId: string): Promise<DueDelivery[]> {
    return this.all(SQL.deliveriesOfRun, runId).map(toDelivery);
  }

  async claimDeliveries(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return byDue(this.all(claimSql('callback_deliveries', false), now, now + leaseMs, iso(now), limit).map(toDelivery));
  }

  async finishDelivery(id: number, attempts: number, end: AttemptEnd, now: number): Promise<boolean> {
    return (
      this.run(finishSql('callback_deliveries'), end.state, end.httpStatus, end.lastError, end.nextAttemptAt, iso(now), id, attempts) > 0
    );
  }

  async insertGroup(group: NewGroup, now: number): Promise<StoredGroup | null> {
    this.db.exec('BEGIN');
    try {
      const row = this.one(
        SQL.insertGroup,
        group.id,
        group.url,
        JSON.stringify(group.runIds),
        group.wait,
        group.count,
        JSON.stringify(group.events),
        iso(now),
      );
      if (row) for (const runId of new Set(group.runIds)) this.run(SQL.groupMember, group.id, runId);
      this.db.exec('COMMIT');
      return row ? toGroup(row) : null;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async group(id: string): Promise<StoredGroup | null> {
    const row = this.one(SQL.group, id);
    return row ? toGroup(row) : null;
  }

  async groupByUrl(url: string): Promise<StoredGroup | null> {
    const row = this.one(SQL.groupByUrl, url);
    return row ? toGroup(row) : null;
  }

  async openGroupsOf(runId: string): Promise<StoredGroup[]> {
    return this.all(SQL.openGroupsOf, runId).map(toGroup);
  }

  async openGroups(): Promise<StoredGroup[]> {
    return this.all(SQL.openGroups).map(toGroup);
  }

  async settleGroup(id: string, body: string, now: number): Promise<boolean> {
    return this.run(SQL.settleGroup, id, body, now, iso(now)) > 0;
  }

  async claimGroups(now: number, limit: number, leaseMs: number): Promise<StoredGroup[]> {
    return byDue(this.all(claimSql('callback_groups', false), now, now + leaseMs, iso(now), limit).map(toGroup));
  }

  async finishGroup(id: string, attempts: number, end: AttemptEnd, now: number): Promise<boolean> {
    return this.run(finishSql('callback_groups'), end.state, end.httpStatus, end.lastError, end.nextAttemptAt, iso(now), id, attempts) > 0;
  }

  async nextDueAt(): Promise<number | null> {
    const at = this.one(NEXT_DUE)?.at;
    return at === null || at === undefined ? null : Number(at);
  }

  async requeueInterrupted(now: number): Promise<number> {
    return (
      this.run(requeueSql('callback_deliveries', false), now, iso(now)) + this.run(requeueSql('callback_groups', false), now, iso(now))
    );
  }

  /** The database is its opener's to close. */
  async close(): Promise<void> {}

  private stmt(sql: string): StatementSync {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sqliteParams(sql));
      this.cache.set(sql, s);
    }
    return s;
  }

  private all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private one(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.stmt(sql).run(...params).changes);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
