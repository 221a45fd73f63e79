import type pg from 'pg';
import type { McpToolInfo } from '../../core/mcp';
import { TERMINAL_STATUSES, type AgentRecord, type RunEvent, type RunRecord, type RunSpec, type StoredEvent } from '../../core/types';
import { FencedOutError, RunNotFoundError, StoreUnavailableError } from '../../errors/errors';
import type { ChildScript } from '../child-scripts';
import { EventBus } from '../event-bus';
import { eventChannel, PostgresEventFeed } from './event-feed';
import { checkPruneOptions, type PruneOptions, type PruneResult } from '../retention';
import type { CommittedStep, EventReads, JournalReads, RunListQuery, RunReads, StepWrite, Store } from '../store';
import { migratePostgres } from './migrations';
import { checkDatabaseUrl, maskDatabaseUrl } from '../../core/database-url';
import { pgDriver } from './driver';

/** Options of a Postgres store. */
export interface PostgresStoreOptions {
  /** `DW_DATABASE_URL`. */
  readonly url: string;
  /** Connections in the pool. @default 10 */
  readonly poolSize?: number;
  /** How long a connection attempt may take before the store is reported unavailable. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /**
   * `events.subscribe` reports events committed by every process on this database and schema
   * (a LISTEN connection of its own, `event-feed.ts`). Without it, only this process's. A store
   * opened for one command (`prune`) needs no feed. @default true
   */
  readonly crossProcessEvents?: boolean;
  /** The events' LISTEN connection was lost (with the reason) or is back. */
  readonly onEventFeedAvailability?: (available: boolean, reason: string) => void;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

// Held while a step inserts events, until it commits: ids then commit in id order, so a reader
// in another process that saw id n never finds an id below n appearing later.
const EVENTS_LOCK = 7_420_002;
const TERMINAL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The store of queue mode: Postgres through node-postgres' pool. A step is one transaction on
 * one pooled connection; records are jsonb, event payloads text (their stored size is counted).
 * A step with events notifies the schema's channel, so every store on the database delivers them
 * to its subscribers (`event-feed.ts`).
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly runs: RunReads;
  readonly journal: JournalReads;
  readonly events: EventReads;
  readonly childScripts: Store['childScripts'];
  readonly mcpTools: Store['mcpTools'];
  /** Without a feed (crossProcessEvents: false): this process's events only. */
  private readonly bus = new EventBus();

  private constructor(
    /** The connections, shared with the callbacks' store (`PostgresCallbackStore.open(store.pool)`). */
    readonly pool: pg.Pool,
    readonly where: string,
    private readonly channel: string,
    private readonly feed: PostgresEventFeed | null,
  ) {
    const q = this.pool;
    this.runs = {
      get: async (id) => (await first<{ record: RunRecord }>(q, 'SELECT record FROM runs WHERE id = $1', [id]))?.record ?? null,
      script: async (id) => (await first<{ script: string | null }>(q, 'SELECT script FROM runs WHERE id = $1', [id]))?.script ?? null,
      spec: async (id) => (await first<{ spec: RunSpec }>(q, 'SELECT spec FROM runs WHERE id = $1', [id]))?.spec ?? null,
      list: (query) => this.listRuns(query),
      unfinished: async () =>
        (
          await q.query<{ record: RunRecord }>("SELECT record FROM runs WHERE status IN ('queued', 'planning', 'running') ORDER BY ord")
        ).rows.map((r) => r.record),
    };
    this.journal = {
      get: async (runId, seq) =>
        (await first<{ record: AgentRecord }>(q, 'SELECT record FROM agents WHERE run_id = $1 AND seq = $2', [runId, seq]))?.record ?? null,
      find: async (runId, fp, occurrence) =>
        (
          await first<{ record: AgentRecord }>(q, 'SELECT record FROM agents WHERE run_id = $1 AND fingerprint = $2 AND occurrence = $3', [
            runId,
            fp,
            occurrence,
          ])
        )?.record ?? null,
      maxSeq: async (runId) =>
        Number((await first<{ m: number | null }>(q, 'SELECT MAX(seq) AS m FROM agents WHERE run_id = $1', [runId]))?.m ?? 0),
      list: async (runId, query) => {
        const where = query.status ? 'run_id = $1 AND status = $2' : 'run_id = $1';
        const params: (string | number)[] = query.status ? [runId, query.status] : [runId];
        const total = Number((await first<{ n: string }>(q, `SELECT COUNT(*) AS n FROM agents WHERE ${where}`, params))?.n ?? 0);
        const n = params.length;
        const rows = await q.query<{ record: AgentRecord }>(
          `SELECT record FROM agents WHERE ${where} ORDER BY seq LIMIT $${n + 1} OFFSET $${n + 2}`,
          [...params, query.limit, query.offset],
        );
        return { agents: rows.rows.map((r) => r.record), total };
      },
    };
    this.events = {
      since: async (runId, afterId, limit = 10_000) => {
        const res =
          runId === null
            ? await q.query<EventRow>('SELECT id, run_id, at, data FROM events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
            : await q.query<EventRow>('SELECT id, run_id, at, data FROM events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3', [
                runId,
                afterId,
                limit,
              ]);
        return res.rows.map(toEvent);
      },
      totals: async (runId) => {
        const row = await first<{ n: string; b: string | null }>(
          q,
          'SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS b FROM events WHERE run_id = $1',
          [runId],
        );
        return { count: Number(row?.n ?? 0), bytes: Number(row?.b ?? 0) };
      },
      subscribe: (runId, listener) => (this.feed ? this.feed.subscribe(runId, listener) : this.bus.subscribe(runId, listener)),
    };
    this.childScripts = {
      get: async (runId, ref) =>
        (await first<{ record: ChildScript }>(q, 'SELECT record FROM child_scripts WHERE run_id = $1 AND ref = $2', [runId, ref]))
          ?.record ?? null,
      record: async (entry) => {
        await q.query('INSERT INTO child_scripts (run_id, ref, record) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          entry.runId,
          entry.ref,
          JSON.stringify(entry),
        ]);
        return (await this.childScripts.get(entry.runId, entry.ref)) ?? entry;
      },
    };
    this.mcpTools = {
      load: async (runId, server) =>
        (await first<{ tools: McpToolInfo[] }>(q, 'SELECT tools FROM mcp_tools WHERE run_id = $1 AND server = $2', [runId, server]))
          ?.tools ?? null,
      save: async (runId, server, tools) => {
        await q.query('INSERT INTO mcp_tools (run_id, server, tools, listed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
          runId,
          server,
          JSON.stringify(tools),
          new Date().toISOString(),
        ]);
        return (await this.mcpTools.load(runId, server)) ?? [...tools];
      },
    };
  }

  /**
   * Connects, checks the connection and migrates. A bad URL is `invalid_config`; a database that
   * cannot be reached is `store_unavailable` (the message shows the URL without its password).
   */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const url = checkDatabaseUrl(opts.url);
    const where = maskDatabaseUrl(url);
    const pool = new (pgDriver().Pool)({
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreUnavailableError(where, reason(err));
    }
    let channel: string;
    try {
      await migratePostgres(client);
      channel = eventChannel((await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s);
    } catch (err) {
      client.release();
      await pool.end().catch(() => undefined);
      throw err;
    }
    client.release();
    let feed: PostgresEventFeed | null = null;
    if (opts.crossProcessEvents !== false) {
      try {
        feed = await PostgresEventFeed.start({
          url,
          channel,
          fetch: async (afterId, limit) =>
            (
              await pool.query<EventRow>('SELECT id, run_id, at, data FROM events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])
            ).rows.map(toEvent),
          maxId: async () => Number((await pool.query<{ m: string }>('SELECT COALESCE(MAX(id), 0) AS m FROM events')).rows[0].m),
          onAvailability: opts.onEventFeedAvailability,
        });
      } catch (err) {
        await pool.end().catch(() => undefined);
        throw new StoreUnavailableError(where, reason(err));
      }
    }
    return new PostgresStore(pool, where, channel, feed);
  }

  async insertRun(run: RunRecord, spec: RunSpec, script: string | null): Promise<void> {
    await this.pool.query('INSERT INTO runs (id, status, created_at, record, script, spec) VALUES ($1, $2, $3, $4, $5, $6)', [
      run.id,
      run.status,
      run.createdAt,
      JSON.stringify(run),
      script,
      JSON.stringify(spec),
    ]);
  }

  async setScript(runId: string, script: string): Promise<void> {
    await this.pool.query('UPDATE runs SET script = $1 WHERE id = $2', [script, runId]);
  }

  async commit(step: StepWrite): Promise<CommittedStep> {
    const events = step.events ?? [];
    if (!step.fence && !step.run && events.length === 0 && (step.agents?.length ?? 0) <= 1) {
      // One row: a statement is its own transaction, one round trip.
      if (step.agents?.length) await writeAgents(this.pool, step.agents);
      return { events: [] };
    }
    const client = await this.pool.connect();
    let stored: (StoredEvent & { bytes: number })[] = [];
    let before = 0;
    try {
      await client.query('BEGIN');
      if (step.fence) await checkFence(client, step.fence.runId, step.fence.token);
      if (step.agents?.length) await writeAgents(client, step.agents);
      if (step.run)
        await client.query('UPDATE runs SET status = $1, record = $2 WHERE id = $3', [
          step.run.status,
          JSON.stringify(step.run),
          step.run.id,
        ]);
      if (events.length) {
        await client.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_LOCK]);
        ({ stored, before } = await insertEvents(client, events, this.channel));
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (this.feed) this.feed.committed(before, stored);
    else for (const e of stored) this.bus.publish(e);
    return { events: stored };
  }

  async prune(opts: PruneOptions): Promise<PruneResult> {
    const batchSize = checkPruneOptions(opts);
    const cutoff = new Date((opts.now ?? Date.now)() - opts.days * 86_400_000).toISOString();
    const out: PruneResult = { runs: 0, events: 0, agents: 0, callbackDeliveries: 0, callbackRegistrations: 0, callbackGroups: 0 };
    for (;;) {
      const client = await this.pool.connect();
      let ids: string[];
      try {
        await client.query('BEGIN');
        const res = await client.query<{ id: string }>(
          `SELECT id FROM runs r WHERE r.status IN (${TERMINAL})
             AND COALESCE(r.record->>'updatedAt', r.created_at) < $1
             AND NOT EXISTS (SELECT 1 FROM runs c WHERE c.status NOT IN (${TERMINAL}) AND c.record->>'parentId' = r.id)
           ORDER BY r.ord LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [cutoff, batchSize],
        );
        ids = res.rows.map((r) => r.id);
        if (ids.length) {
          const del = async (table: string, column: string) =>
            (await client.query(`DELETE FROM ${table} WHERE ${column} = ANY($1)`, [ids])).rowCount ?? 0;
          out.events += await del('events', 'run_id');
          out.agents += await del('agents', 'run_id');
          await del('mcp_tools', 'run_id');
          await del('child_scripts', 'run_id');
          // Deliveries first: they reference their registration. A group goes with its last run,
          // unless its delivery is still to be sent.
          out.callbackDeliveries += await del('callback_deliveries', 'run_id');
          out.callbackRegistrations += await del('callback_registrations', 'run_id');
          await del('callback_group_runs', 'run_id');
          out.callbackGroups +=
            (
              await client.query(`DELETE FROM callback_groups g WHERE g.state NOT IN ('pending', 'delivering')
                AND NOT EXISTS (SELECT 1 FROM callback_group_runs m WHERE m.group_id = g.id)`)
            ).rowCount ?? 0;
          out.runs += await del('runs', 'id');
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      if (ids.length < batchSize) return out;
    }
  }

  async close(): Promise<void> {
    await this.feed?.close();
    await this.pool.end();
  }

  private async listRuns(q: RunListQuery): Promise<{ runs: RunRecord[]; last: number | null }> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.status) {
      params.push(q.status);
      where.push(`status = $${params.length}`);
    }
    if (q.before !== undefined) {
      params.push(q.before);
      where.push(`ord < $${params.length}`);
    }
    params.push(q.limit + 1);
    const sql = `SELECT record, ord FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ord DESC LIMIT $${params.length}`;
    const rows = (await this.pool.query<{ record: RunRecord; ord: string }>(sql, params)).rows;
    const page = rows.slice(0, q.limit);
    return { runs: page.map((r) => r.record), last: rows.length > q.limit ? Number(page[page.length - 1].ord) : null };
  }
}

interface EventRow {
  id: string;
  run_id: string;
  at: string;
  data: string;
}

const toEvent = (r: EventRow): StoredEvent => ({ id: Number(r.id), runId: r.run_id, at: r.at, event: JSON.parse(r.data) as RunEvent });

async function first<T extends pg.QueryResultRow>(q: Queryable, sql: string, params: unknown[]): Promise<T | undefined> {
  return (await q.query<T>(sql, params)).rows[0];
}

/** Writes journal rows in one statement (a row given twice: the later one). */
async function writeAgents(q: Queryable, agents: readonly AgentRecord[]): Promise<void> {
  const last = new Map<string, AgentRecord>();
  for (const a of agents) last.set(`${a.seq}:${a.runId}`, a);
  const rows = [...last.values()];
  await q.query(
    `INSERT INTO agents (run_id, seq, fingerprint, occurrence, status, record)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::jsonb[])
     ON CONFLICT (run_id, seq) DO UPDATE SET status = excluded.status, record = excluded.record`,
    [
      rows.map((a) => a.runId),
      rows.map((a) => a.seq),
      rows.map((a) => a.fingerprint),
      rows.map((a) => a.occurrence),
      rows.map((a) => a.status),
      rows.map((a) => JSON.stringify(a)),
    ],
  );
}

async function checkFence(q: Queryable, runId: string, token: number): Promise<void> {
  const res = await q.query('UPDATE runs SET fence = $1 WHERE id = $2 AND fence <= $1', [token, runId]);
  if ((res.rowCount ?? 0) > 0) return;
  const row = await first<{ fence: string }>(q, 'SELECT fence FROM runs WHERE id = $1', [runId]);
  if (!row) throw new RunNotFoundError(runId);
  throw new FencedOutError(runId, token, Number(row.fence));
}

/**
 * Inserts a step's events under the events lock, in one statement: the rows go in in order (so
 * their ids ascend in order: the lock keeps any other insert out meanwhile), the statement also
 * reads the highest id committed before (`before`: the lock makes it final) and notifies the
 * schema's channel with the last id, sent by Postgres at commit.
 */
async function insertEvents(
  q: Queryable,
  events: readonly { runId: string; event: RunEvent; data?: string }[],
  channel: string,
): Promise<{ stored: (StoredEvent & { bytes: number })[]; before: number }> {
  const at = new Date().toISOString();
  const data = events.map((e) => e.data ?? JSON.stringify(e.event));
  const res = await q.query<{ prev: string; ids: string[] }>(
    `WITH prev AS (SELECT COALESCE(MAX(id), 0) AS m FROM events),
     ins AS (INSERT INTO events (run_id, at, data)
       SELECT r, $2, d FROM unnest($1::text[], $3::text[]) WITH ORDINALITY AS t(r, d, o) ORDER BY o RETURNING id)
     SELECT (SELECT m FROM prev) AS prev, (SELECT array_agg(id ORDER BY id) FROM ins) AS ids,
       pg_notify($4, (SELECT MAX(id) FROM ins)::text)`,
    [events.map((e) => e.runId), at, data, channel],
  );
  const row = res.rows[0];
  const ids = row.ids.map(Number);
  if (ids.length !== events.length) throw new Error(`stored ${ids.length} events of ${events.length}`);
  const stored = events.map((e, i) => ({ id: ids[i], runId: e.runId, at, event: e.event, bytes: data[i].length }));
  return { stored, before: Number(row.prev) };
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(err);
}
