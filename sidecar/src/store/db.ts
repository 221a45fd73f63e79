import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrateSqlite } from './migrations/sqlite';

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
  migrateSqlite(db);
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
