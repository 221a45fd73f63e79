import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { emptyUsage, type AgentRecord, type AgentStatus } from '../../src/core/types';
import { openDatabase } from '../../src/store/db';
import { Journal } from '../../src/store/journal';

function agent(runId: string, seq: number, patch: Partial<AgentRecord> = {}): AgentRecord {
  return {
    runId,
    seq,
    fingerprint: `fp-${seq}`,
    occurrence: 0,
    label: `a${seq}`,
    phase: null,
    prompt: `prompt ${seq}`,
    tools: [],
    model: 'm',
    status: 'queued',
    result: null,
    error: null,
    usage: emptyUsage(),
    replayed: false,
    attempts: 0,
    startedAt: null,
    endedAt: null,
    ...patch,
  };
}

const rows = (db: DatabaseSync, table = 'agents'): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('Journal', () => {
  let dir: string;
  let db: DatabaseSync;
  let journal: Journal;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-journal-'));
    db = openDatabase(dir);
    journal = new Journal(db);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds a written call by seq and by (fingerprint, occurrence), and nothing for unknown keys', () => {
    const a = agent('r1', 1, { result: { deep: [1, 'two', null] } });
    journal.write(a);
    expect(journal.get('r1', 1)).toEqual(a);
    expect(journal.find('r1', 'fp-1', 0)).toEqual(a);
    expect(journal.find('r1', 'fp-1', 1)).toBeNull();
    expect(journal.find('r1', 'other', 0)).toBeNull();
    expect(journal.get('r1', 2)).toBeNull();
    expect(journal.get('r2', 1)).toBeNull();
  });

  it('rewriting a call replaces its status and record in place (issued, then completed)', () => {
    journal.write(agent('r1', 1));
    const done = agent('r1', 1, { status: 'done', result: 42, attempts: 1, endedAt: '2030-01-01T00:00:00.000Z' });
    journal.write(done);
    expect(journal.get('r1', 1)).toEqual(done);
    expect(journal.find('r1', 'fp-1', 0)).toEqual(done);
    expect(journal.list('r1', { status: 'done', offset: 0, limit: 10 }).total).toBe(1);
    expect(rows(db)).toBe(1);
  });

  it('duplicate calls (same fingerprint) are told apart by occurrence', () => {
    const first = agent('r1', 1, { fingerprint: 'same', occurrence: 0, result: 'first' });
    const second = agent('r1', 2, { fingerprint: 'same', occurrence: 1, result: 'second' });
    journal.write(first);
    journal.write(second);
    expect(journal.find('r1', 'same', 0)?.result).toBe('first');
    expect(journal.find('r1', 'same', 1)?.result).toBe('second');
  });

  it('refuses a second seq with the same (fingerprint, occurrence) in a run', () => {
    journal.write(agent('r1', 1, { fingerprint: 'same' }));
    expect(() => journal.write(agent('r1', 2, { fingerprint: 'same' }))).toThrow(/UNIQUE/);
    // Another run may use the same fingerprint.
    expect(() => journal.write(agent('r2', 1, { fingerprint: 'same' }))).not.toThrow();
  });

  it('maxSeq is 0 for a run without calls and the highest seq otherwise, per run', () => {
    expect(journal.maxSeq('r1')).toBe(0);
    for (const seq of [3, 1, 7]) journal.write(agent('r1', seq));
    journal.write(agent('r2', 99));
    expect(journal.maxSeq('r1')).toBe(7);
    expect(journal.maxSeq('r2')).toBe(99);
  });

  it("lists a run's calls by seq, a page at a time, optionally by status, with the total", () => {
    const statuses: AgentStatus[] = ['done', 'failed', 'done', 'active', 'done', 'queued'];
    statuses.forEach((status, i) => journal.write(agent('r1', 6 - i, { status })));
    journal.write(agent('r2', 1, { status: 'done' }));

    const page1 = journal.list('r1', { offset: 0, limit: 4 });
    expect(page1.total).toBe(6);
    expect(page1.agents.map((a) => a.seq)).toEqual([1, 2, 3, 4]);
    const page2 = journal.list('r1', { offset: 4, limit: 4 });
    expect(page2.agents.map((a) => a.seq)).toEqual([5, 6]);

    const done = journal.list('r1', { status: 'done', offset: 1, limit: 10 });
    expect(done.total).toBe(3);
    expect(done.agents.map((a) => a.seq)).toEqual([4, 6]);
    expect(journal.list('r1', { status: 'cancelled', offset: 0, limit: 10 })).toEqual({ agents: [], total: 0 });
    expect(journal.list('nope', { offset: 0, limit: 10 })).toEqual({ agents: [], total: 0 });
  });

  it('a transaction commits its writes together and returns what its function returns', () => {
    const out = journal.transaction(() => {
      journal.write(agent('r1', 1));
      db.prepare("INSERT INTO events (run_id, at, data) VALUES ('r1', 'now', '{}')").run();
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(rows(db)).toBe(1);
    expect(rows(db, 'events')).toBe(1);
  });

  it('a transaction that throws leaves nothing behind (journal row and event), and the next one works', () => {
    expect(() =>
      journal.transaction(() => {
        journal.write(agent('r1', 1));
        db.prepare("INSERT INTO events (run_id, at, data) VALUES ('r1', 'now', '{}')").run();
        throw new Error('crash between the row and the run record');
      }),
    ).toThrow('crash between');
    expect(rows(db)).toBe(0);
    expect(rows(db, 'events')).toBe(0);
    journal.transaction(() => journal.write(agent('r1', 2)));
    expect(journal.get('r1', 2)).not.toBeNull();
  });

  it('nested transactions join the outer one: an error that escapes rolls back the inner writes too', () => {
    expect(() =>
      journal.transaction(() => {
        journal.write(agent('r1', 1));
        journal.transaction(() => journal.write(agent('r1', 2)));
        throw new Error('outer fails after the inner finished');
      }),
    ).toThrow('outer fails');
    expect(rows(db)).toBe(0);
    journal.transaction(() => journal.transaction(() => journal.write(agent('r1', 3))));
    expect(rows(db)).toBe(1);
  });

  it('committed calls survive closing and reopening the database (a restart)', () => {
    journal.transaction(() => journal.write(agent('r1', 1, { status: 'done', result: 'kept' })));
    db.close();
    db = openDatabase(dir);
    journal = new Journal(db);
    expect(journal.find('r1', 'fp-1', 0)?.result).toBe('kept');
    expect(journal.maxSeq('r1')).toBe(1);
  });

  // A COMMIT that fails once decremented the nesting depth twice; the next nested transaction
  // then issued a second BEGIN ("cannot start a transaction within a transaction").
  it('a failed COMMIT leaves the journal usable for nested transactions', () => {
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
    db.exec('CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)');
    expect(() =>
      journal.transaction(() => {
        db.exec('INSERT INTO child VALUES (1)');
      }),
    ).toThrow(/FOREIGN KEY/);
    journal.transaction(() => journal.transaction(() => journal.write(agent('r1', 1))));
    expect(journal.get('r1', 1)).not.toBeNull();
  });
});
