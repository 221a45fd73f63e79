import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../src/store/db';
import { migrateSqlite, SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from '../../src/store/migrations/sqlite';
import { RunStore } from '../../src/store/runs';
import { SqliteCallbackStore } from '../../src/store/sqlite-callbacks';

// The schema data folders had before migrations were versioned (created on every open, user_version 0).
const UNVERSIONED_SCHEMA = `
CREATE TABLE runs (id TEXT PRIMARY KEY, ord INTEGER NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
  record TEXT NOT NULL, script TEXT, spec TEXT NOT NULL);
CREATE INDEX runs_by_ord ON runs(ord);
CREATE INDEX runs_by_status ON runs(status, ord);
CREATE TABLE agents (run_id TEXT NOT NULL, seq INTEGER NOT NULL, fingerprint TEXT NOT NULL, occurrence INTEGER NOT NULL,
  status TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE UNIQUE INDEX agents_by_fp ON agents(run_id, fingerprint, occurrence);
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE callback_registrations (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, url TEXT NOT NULL, events TEXT NOT NULL,
  created_at TEXT NOT NULL, UNIQUE (run_id, url)) STRICT;
`;

describe('SQLite migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-migrate-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const userVersion = (db: DatabaseSync): number => (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;

  it('a data folder created before versioning opens, keeps its runs and gains the missing tables', async () => {
    const old = new DatabaseSync(path.join(dir, 'sidecar.db'));
    old.exec(UNVERSIONED_SCHEMA);
    const record = { id: 'r1', status: 'converged', createdAt: '2026-01-01T00:00:00.000Z' };
    old
      .prepare('INSERT INTO runs VALUES (?, 1, ?, ?, ?, ?, ?)')
      .run('r1', 'converged', record.createdAt, JSON.stringify(record), 'return 1', '{}');
    old.close();

    const db = openDatabase(dir);
    try {
      expect(userVersion(db)).toBe(SQLITE_SCHEMA_VERSION);
      expect(new RunStore(db).get('r1')).toEqual(record);
      expect(new RunStore(db).script('r1')).toBe('return 1');
      // Tables and indexes the old folder lacked are there now.
      const names = (db.prepare('SELECT name FROM sqlite_master').all() as { name: string }[]).map((r) => r.name);
      expect(names).toEqual(
        expect.arrayContaining(['mcp_tools', 'child_scripts', 'callback_deliveries', 'callback_groups', 'agents_by_status']),
      );
      expect(await new SqliteCallbackStore(db).openRegistrations()).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('a delivery left `delivering` by a build without claim deadlines is claimable after the upgrade', async () => {
    const db = new DatabaseSync(':memory:');
    migrateSqlite(db, SQLITE_MIGRATIONS.slice(0, 4));
    db.exec(`INSERT INTO callback_registrations VALUES ('reg', 'r1', 'http://127.0.0.1:9/x', '["converged"]', 'x');
      INSERT INTO callback_deliveries (registration_id, run_id, url, status, body, state, attempts, next_attempt_at, created_at, updated_at)
      VALUES ('reg', 'r1', 'http://127.0.0.1:9/x', 'converged', '{}', 'delivering', 1, 0, 'x', 'x');`);
    expect(migrateSqlite(db)).toBe(SQLITE_SCHEMA_VERSION);
    const [claimed] = await new SqliteCallbackStore(db).claimDeliveries(Date.now(), 5, 60_000);
    expect(claimed).toMatchObject({ runId: 'r1', state: 'delivering', attempts: 2 });
    db.close();
  });

  it('opening again applies nothing, and a database from a newer build is refused with store_schema', () => {
    openDatabase(dir).close();
    const db = openDatabase(dir);
    expect(migrateSqlite(db)).toBe(SQLITE_SCHEMA_VERSION);
    db.exec(`PRAGMA user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(dir)).toThrow(expect.objectContaining({ code: 'store_schema' }));
  });

  it('a failing step leaves the version where it was and the step undone', () => {
    const db = new DatabaseSync(':memory:');
    const steps = [
      { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER)' },
      { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER)' },
    ];
    expect(() => migrateSqlite(db, steps)).toThrow(/already exists/);
    expect(userVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    db.close();
  });
});
