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
    file = path.join(dataDir, 'sidecar.db');
    prepareFiles(dataDir, file);
  }
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db);
  if (file !== ':memory:')
    tighten(
      STORE_FILES.map((suffix) => file + suffix),
      FILE_MODE,
    );
  return db;
}

/** Owner only: the store holds prompts, results and callback secrets. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** The database and SQLite's WAL and shared-memory files beside it. */
const STORE_FILES = ['', '-wal', '-shm'];

/**
 * Creates the data folder 0700 and the database file 0600 before SQLite opens it (SQLite gives
 * its -wal and -shm files the database file's mode), and tightens a folder or files left more
 * open by an earlier version.
 */
function prepareFiles(dataDir: string, file: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  tighten([dataDir], DIR_MODE);
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, FILE_MODE));
  tighten(
    STORE_FILES.map((suffix) => file + suffix),
    FILE_MODE,
  );
}

function tighten(paths: readonly string[], mode: number): void {
  for (const p of paths) {
    try {
      if ((fs.statSync(p).mode & 0o777) !== mode) fs.chmodSync(p, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
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
    );
  `);
}
