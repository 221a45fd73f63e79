import type { PoolClient } from 'pg';
import { StoreSchemaError } from '../../errors/errors';
import type { Migration } from '../migrations/sqlite';

/**
 * The Postgres schema, as steps recorded in `dw_schema_migrations`. Same tables and meaning as
 * the SQLite steps (records and events as jsonb, ids and orders as bigint identities).
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, journal, events, MCP tool lists, child scripts',
    sql: `
    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      ord BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      record JSONB NOT NULL,
      script TEXT,
      spec JSONB NOT NULL,
      fence BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_by_status ON runs (status, ord);
    CREATE TABLE agents (
      run_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      fingerprint TEXT NOT NULL,
      occurrence INTEGER NOT NULL,
      status TEXT NOT NULL,
      record JSONB NOT NULL,
      PRIMARY KEY (run_id, seq)
    );
    CREATE UNIQUE INDEX agents_by_fp ON agents (run_id, fingerprint, occurrence);
    CREATE INDEX agents_by_status ON agents (run_id, status, seq);
    CREATE TABLE events (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      run_id TEXT NOT NULL,
      at TEXT NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX events_by_run ON events (run_id, id);
    CREATE TABLE mcp_tools (
      run_id TEXT NOT NULL,
      server TEXT NOT NULL,
      tools JSONB NOT NULL,
      listed_at TEXT NOT NULL,
      PRIMARY KEY (run_id, server)
    );
    CREATE TABLE child_scripts (
      run_id TEXT NOT NULL,
      ref TEXT NOT NULL,
      record JSONB NOT NULL,
      PRIMARY KEY (run_id, ref)
    );`,
  },
  {
    version: 2,
    name: 'callback outbox and groups',
    // store/postgres/callbacks.ts. `claimed_until` is the lease of a `delivering` row: after it
    // another process may take the row over.
    sql: `
    CREATE TABLE callback_registrations (
      id TEXT PRIMARY KEY,
      run_id TEXT NOT NULL,
      url TEXT NOT NULL,
      events JSONB NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (run_id, url)
    );
    CREATE TABLE callback_deliveries (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      registration_id TEXT NOT NULL REFERENCES callback_registrations(id),
      run_id TEXT NOT NULL,
      url TEXT NOT NULL,
      status TEXT NOT NULL,
      body TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at BIGINT NOT NULL,
      claimed_until BIGINT,
      last_error TEXT,
      http_status INTEGER,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (registration_id, status)
    );
    CREATE INDEX callback_deliveries_due ON callback_deliveries (state, next_attempt_at);
    CREATE INDEX callback_deliveries_run ON callback_deliveries (run_id);
    CREATE INDEX callback_deliveries_line ON callback_deliveries (registration_id, id);
    CREATE TABLE callback_groups (
      id TEXT PRIMARY KEY,
      url TEXT NOT NULL UNIQUE,
      run_ids JSONB NOT NULL,
      wait TEXT NOT NULL,
      count INTEGER,
      events JSONB NOT NULL,
      state TEXT NOT NULL,
      body TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at BIGINT,
      claimed_until BIGINT,
      last_error TEXT,
      http_status INTEGER,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE callback_group_runs (
      group_id TEXT NOT NULL REFERENCES callback_groups(id),
      run_id TEXT NOT NULL,
      PRIMARY KEY (group_id, run_id)
    );
    CREATE INDEX callback_group_runs_run ON callback_group_runs (run_id);
    CREATE INDEX callback_groups_due ON callback_groups (state, next_attempt_at);`,
  },
];

/** The newest Postgres schema version this build knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1].version;

// Any constant works; it only has to be the same in every sidecar sharing the database.
const MIGRATION_LOCK = 7_420_001;

/**
 * Brings the database to the newest schema in one transaction, under an advisory lock, so
 * several processes starting at once migrate it exactly once. Returns the version after.
 */
export async function migratePostgres(client: PoolClient, migrations: readonly Migration[] = POSTGRES_MIGRATIONS): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS dw_schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const res = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM dw_schema_migrations');
    const current = res.rows[0]?.v ?? 0;
    const newest = migrations.length ? migrations[migrations.length - 1].version : 0;
    if (current > newest) throw new StoreSchemaError(current, newest);
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO dw_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
    return Math.max(current, newest);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
