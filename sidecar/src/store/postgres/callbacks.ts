import type pg from 'pg';
import type { AttemptEnd, CallbackRegistration, CallbackStore, DueDelivery, NewGroup, StoredGroup } from '../../core/callback-store';
import type { CallbackEvent } from '../../core/types';
import { byDue, claimSql, finishSql, NEXT_DUE, requeueSql, type Row, SQL, toDelivery, toGroup, toRegistration } from '../callback-sql';
import { migratePostgres } from './migrations';
import { PostgresStore, type PostgresStoreOptions } from './store';

type Param = string | number | null;

/**
 * The callbacks on Postgres, shared by every sidecar of a cluster (tables: migrations.ts, step 2).
 * A claim is one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`: processes
 * claiming at once never get the same row, and a row whose holder died is claimable again once
 * its lease (`claimed_until`) ends. Nothing here assumes it is the only process.
 */
export class PostgresCallbackStore implements CallbackStore {
  readonly kind = 'postgres';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly owned: PostgresStore | null,
  ) {}

  /**
   * On the pool of a `PostgresStore` (`store.pool`: the same connections; the pool stays its
   * owner's), or on a database of its own from options (closed by `close`). Migrates either way.
   */
  static async open(source: pg.Pool | PostgresStoreOptions): Promise<PostgresCallbackStore> {
    if ('url' in source) {
      const store = await PostgresStore.open(source);
      return new PostgresCallbackStore(store.pool, store);
    }
    const client = await source.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
    return new PostgresCallbackStore(source, null);
  }

  async upsertRegistration(reg: CallbackRegistration): Promise<CallbackRegistration> {
    return toRegistration(
      (await this.rows(SQL.upsertRegistration, reg.id, reg.runId, reg.url, JSON.stringify(reg.events), reg.createdAt))[0],
    );
  }

  async registrations(runId: string): Promise<CallbackRegistration[]> {
    return (await this.rows(SQL.registrationsOfRun, runId)).map(toRegistration);
  }

  async openRegistrations(): Promise<CallbackRegistration[]> {
    return (await this.rows(SQL.openRegistrations)).map(toRegistration);
  }

  async enqueue(reg: CallbackRegistration, status: CallbackEvent, body: string, now: number): Promise<boolean> {
    return (await this.count(SQL.enqueue, reg.id, reg.runId, reg.url, status, body, now, iso(now))) > 0;
  }

  async delivery(id: number): Promise<DueDelivery | null> {
    const [row] = await this.rows(SQL.delivery, id);
    return row ? toDelivery(row) : null;
  }

  async deliveries(runId: string): Promise<DueDelivery[]> {
    return (await this.rows(SQL.deliveriesOfRun, runId)).map(toDelivery);
  }

  async claimDeliveries(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return byDue((await this.rows(claimSql('callback_deliveries', true), now, now + leaseMs, iso(now), limit)).map(toDelivery));
  }

  async finishDelivery(id: number, attempts: number, end: AttemptEnd, now: number): Promise<boolean> {
    const args = [end.state, end.httpStatus, end.lastError, end.nextAttemptAt, iso(now), id, attempts];
    return (await this.count(finishSql('callback_deliveries'), ...args)) > 0;
  }

  async insertGroup(group: NewGroup, now: number): Promise<StoredGroup | null> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const res = await client.query<Row>(SQL.insertGroup, [
        group.id,
        group.url,
        JSON.stringify(group.runIds),
        group.wait,
        group.count,
        JSON.stringify(group.events),
        iso(now),
      ]);
      const row = res.rows[0];
      if (row) for (const runId of new Set(group.runIds)) await client.query(SQL.groupMember, [group.id, runId]);
      await client.query('COMMIT');
      return row ? toGroup(row) : null;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async group(id: string): Promise<StoredGroup | null> {
    const [row] = await this.rows(SQL.group, id);
    return row ? toGroup(row) : null;
  }

  async groupByUrl(url: string): Promise<StoredGroup | null> {
    const [row] = await this.rows(SQL.groupByUrl, url);
    return row ? toGroup(row) : null;
  }

  async openGroupsOf(runId: string): Promise<StoredGroup[]> {
    return (await this.rows(SQL.openGroupsOf, runId)).map(toGroup);
  }

  async openGroups(): Promise<StoredGroup[]> {
    return (await this.rows(SQL.openGroups)).map(toGroup);
  }

  async settleGroup(id: string, body: string, now: number): Promise<boolean> {
    return (await this.count(SQL.settleGroup, id, body, now, iso(now))) > 0;
  }

  async claimGroups(now: number, limit: number, leaseMs: number): Promise<StoredGroup[]> {
    return byDue((await this.rows(claimSql('callback_groups', true), now, now + leaseMs, iso(now), limit)).map(toGroup));
  }

  async finishGroup(id: string, attempts: number, end: AttemptEnd, now: number): Promise<boolean> {
    const args = [end.state, end.httpStatus, end.lastError, end.nextAttemptAt, iso(now), id, attempts];
    return (await this.count(finishSql('callback_groups'), ...args)) > 0;
  }

  async nextDueAt(): Promise<number | null> {
    const [row] = await this.rows(NEXT_DUE);
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  /** Only claims whose lease ended: a claim of another live process is left alone. */
  async requeueInterrupted(now: number): Promise<number> {
    return (
      (await this.count(requeueSql('callback_deliveries', true), now, iso(now))) +
      (await this.count(requeueSql('callback_groups', true), now, iso(now)))
    );
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  private async rows(sql: string, ...params: Param[]): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  private async count(sql: string, ...params: Param[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
