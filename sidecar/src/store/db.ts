import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Opens (creating if needed) the sidecar's SQLite database. WAL with synchronous=NORMAL
 * keeps every committed write across a process crash (SIGKILL), which is what the journal
 * needs; only an OS crash could lose the last transactions.
 */
export function openDatabase(dataDir: string | ':memory:'): DatabaseSync {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    fs.mkdirSync(dataDir, { recursive: true });
    file = path.join(dataDir, 'sidecar.db');
  }
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  db.exec(`
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
  `);
}
