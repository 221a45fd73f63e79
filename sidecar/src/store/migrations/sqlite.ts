import type { DatabaseSync } from 'node:sqlite';
import { StoreSchemaError } from '../../errors/errors';

/** One schema step. Versions are dense from 1; a released step is never edited, only followed. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The SQLite schema, as steps. Steps 1–3 are the schema data folders had before versioning
 * (their tables were created with IF NOT EXISTS on every open); they keep IF NOT EXISTS so a
 * folder from then (user_version 0, tables present) migrates by recording the version only.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, journal, events, MCP tool lists, child scripts',
    sql: `
    CREATE TABLE IF NOT EXISTS runs (
      id TEXT PRIMARY KEY,
      ord INTEGER NOT NULL,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      record TEXT NOT NULL,
      script TEXT,
      spec TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS runs_by_ord ON runs(ord);
    CREATE INDEX IF NOT EXISTS runs_by_status ON runs(status, ord);
    CREATE TABLE IF NOT EXISTS agents (
      run_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      fingerprint TEXT NOT NULL,
      occurrence INTEGER NOT NULL,
      status TEXT NOT NULL,
      record TEXT NOT NULL,
      PRIMARY KEY (run_id, seq)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS agents_by_fp ON agents(run_id, fingerprint, occurrence);
    CREATE INDEX IF NOT EXISTS agents_by_status ON agents(run_id, status, seq);
    CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id TEXT NOT NULL,
      at TEXT NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_by_run ON events(run_id, id);
    CREATE TABLE IF NOT EXISTS mcp_tools (
      run_id TEXT NOT NULL,
      server TEXT NOT NULL,
      tools TEXT NOT NULL,
      listed_at TEXT NOT NULL,
      PRIMARY KEY (run_id, server)
    );
    CREATE TABLE IF NOT EXISTS child_scripts (
      run_id TEXT NOT NULL,
      ref TEXT NOT NULL,
      record TEXT NOT NULL,
      PRIMARY KEY (run_id, ref)
    );`,
  },
  {
    version: 2,
    name: 'callback outbox',
    sql: `
    CREATE TABLE IF NOT EXISTS callback_registrations (
      id TEXT PRIMARY KEY,
      run_id TEXT NOT NULL,
      url TEXT NOT NULL,
      events TEXT NOT NULL,
      created_at TEXT NOT NULL,
      UNIQUE (run_id, url)
    ) STRICT;
    CREATE TABLE IF NOT EXISTS callback_deliveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      registration_id TEXT NOT NULL REFERENCES callback_registrations(id),
      run_id TEXT NOT NULL,
      url TEXT NOT NULL,
      status TEXT NOT NULL,
      body TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error TEXT,
      http_status INTEGER,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (registration_id, status)
    ) STRICT;
    CREATE INDEX IF NOT EXISTS callback_deliveries_due ON callback_deliveries (state, next_attempt_at);
    CREATE INDEX IF NOT EXISTS callback_deliveries_run ON callback_deliveries (run_id);
    CREATE INDEX IF NOT EXISTS callback_deliveries_line ON callback_deliveries (registration_id, id);`,
  },
  {
    version: 3,
    name: 'callback groups',
    // A group is its own outbox row: see store/sqlite-callbacks.ts.
    sql: `
    CREATE TABLE IF NOT EXISTS callback_groups (
      id TEXT PRIMARY KEY,
      url TEXT NOT NULL UNIQUE,
      run_ids TEXT NOT NULL,
      wait TEXT NOT NULL,
      count INTEGER,
      events TEXT NOT NULL,
      state TEXT NOT NULL,
      body TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER,
      last_error TEXT,
      http_status INTEGER,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS callback_group_runs (
      group_id TEXT NOT NULL REFERENCES callback_groups(id),
      run_id TEXT NOT NULL,
      PRIMARY KEY (group_id, run_id)
    ) STRICT;
    CREATE INDEX IF NOT EXISTS callback_group_runs_run ON callback_group_runs (run_id);
    CREATE INDEX IF NOT EXISTS callback_groups_due ON callback_groups (state, next_attempt_at);`,
  },
  {
    version: 4,
    name: 'fencing token per run',
    // The newest lease token that wrote to the run (store.ts, StepWrite.fence); 0 while none did.
    sql: 'ALTER TABLE runs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;',
  },
  {
    version: 5,
    name: 'callback claim deadlines',
    // The lease of a `delivering` row (core/callback-store.ts); null on rows claimed before it
    // existed, which count as ended.
    sql: `
    ALTER TABLE callback_deliveries ADD COLUMN claimed_until INTEGER;
    ALTER TABLE callback_groups ADD COLUMN claimed_until INTEGER;`,
  },
];

/** The newest schema version this build knows. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version;

/**
 * Brings the database to the newest schema, one transaction per step, the version kept in
 * `PRAGMA user_version` (set inside the step's transaction, so a crash leaves a step done or not).
 * A database from a newer build is refused: this one would not know its tables.
 */
export function migrateSqlite(db: DatabaseSync, migrations: readonly Migration[] = SQLITE_MIGRATIONS): number {
  const current = userVersion(db);
  const newest = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > newest) throw new StoreSchemaError(current, newest);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Another process may have migrated between the read above and this lock.
      if (userVersion(db) < m.version) {
        db.exec(m.sql);
        db.exec(`PRAGMA user_version = ${m.version}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
  return userVersion(db);
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}
