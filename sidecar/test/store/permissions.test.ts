import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/db';

const modeOf = (p: string): number => fs.statSync(p).mode & 0o777;

describe('the store is readable by its owner only', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-perm-'));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('creates the data folder 0700 and the database, -wal and -shm files 0600', () => {
    const dir = path.join(base, 'data');
    const db = openDatabase(dir);
    try {
      db.exec("INSERT INTO events (run_id, at, data) VALUES ('r', 'now', '{}')");
      expect(modeOf(dir)).toBe(0o700);
      for (const f of ['sidecar.db', 'sidecar.db-wal', 'sidecar.db-shm']) expect([f, modeOf(path.join(dir, f))]).toEqual([f, 0o600]);
    } finally {
      db.close();
    }
  });

  it('tightens a folder and files an earlier start left open', () => {
    const dir = path.join(base, 'old');
    openDatabase(dir).close();
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'sidecar.db'), 0o644);
    const db = openDatabase(dir);
    try {
      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(path.join(dir, 'sidecar.db'))).toBe(0o600);
      expect(modeOf(path.join(dir, 'sidecar.db-wal'))).toBe(0o600);
    } finally {
      db.close();
    }
  });
});
