import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { SqliteCallbackStore } from '../../src/store/sqlite-callbacks';
import type { AgentRecord, RunRecord, RunStatus } from '../../src/core/types';
import { openDatabase } from '../../src/store/db';
import { EventLog } from '../../src/store/events';
import { Journal } from '../../src/store/journal';
import { pruneRuns, schedulePrune, type PruneResult } from '../../src/store/retention';
import { RunStore } from '../../src/store/runs';
import { agentRecord, runRecord } from '../support/records';

const DAY = 86_400_000;
const NOW = Date.parse('2030-06-01T00:00:00.000Z');
const daysAgo = (d: number): string => new Date(NOW - d * DAY).toISOString();

function run(id: string, status: RunStatus, updatedDaysAgo: number, patch: Partial<RunRecord> = {}): RunRecord {
  return runRecord(id, {
    status,
    counts: { queued: 0, active: 0, done: 1, failed: 0, total: 1 },
    createdAt: daysAgo(updatedDaysAgo + 1),
    updatedAt: daysAgo(updatedDaysAgo),
    hasScript: true,
    ...patch,
  });
}

function agent(runId: string, seq: number): AgentRecord {
  return agentRecord(runId, seq, { result: seq });
}

describe('pruneRuns', () => {
  let dir: string;
  let db: DatabaseSync;
  let runs: RunStore;
  let log: EventLog;
  let journal: Journal;
  let callbacks: SqliteCallbackStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-retention-'));
    db = openDatabase(dir);
    runs = new RunStore(db);
    log = new EventLog(db);
    journal = new Journal(db);
    callbacks = new SqliteCallbackStore(db);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A run with two events, two journal rows and one delivered callback. */
  function seed(r: RunRecord): void {
    runs.insert(r, { task: r.task }, 'return 1');
    log.append(r.id, { type: 'run.status', status: r.status });
    log.append(r.id, { type: 'log', message: 'hi' });
    journal.write(agent(r.id, 1));
    journal.write(agent(r.id, 2));
    const reg = { id: `reg-${r.id}`, runId: r.id, url: 'http://127.0.0.1:9/cb', events: ['converged' as const], createdAt: r.createdAt };
    // The SQLite store writes inside the call: the rows are there when it returns.
    void callbacks.upsertRegistration(reg);
    void callbacks.enqueue(reg, 'converged', '{}', NOW);
  }

  const count = (table: string, runId: string, column = 'run_id'): number =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`).get(runId) as { n: number }).n;

  function rowsOf(id: string): Record<string, number> {
    return {
      runs: count('runs', id, 'id'),
      events: count('events', id),
      agents: count('agents', id),
      deliveries: count('callback_deliveries', id),
      registrations: count('callback_registrations', id),
    };
  }

  const ALL = { runs: 1, events: 2, agents: 2, deliveries: 1, registrations: 1 };
  const NONE = { runs: 0, events: 0, agents: 0, deliveries: 0, registrations: 0 };

  it('deletes a callback group with its last run, unless its delivery is still to be sent', async () => {
    const groups = callbacks;
    seed(run('old-a', 'converged', 40));
    seed(run('old-b', 'converged', 40));
    seed(run('recent', 'converged', 1));
    const group = (id: string, runIds: string[]) =>
      groups.insertGroup({ id, url: `http://127.0.0.1:9/${id}`, runIds, wait: 'all', count: null, events: ['converged'] }, NOW);
    await group('done-old', ['old-a', 'old-b']);
    await groups.settleGroup('done-old', '{}', NOW);
    const [claimed] = await groups.claimGroups(NOW, 1, 60_000);
    await groups.finishGroup(
      'done-old',
      claimed.attempts,
      { state: 'delivered', httpStatus: 200, lastError: null, nextAttemptAt: NOW },
      NOW,
    );
    await group('mixed', ['old-a', 'recent']);
    await group('unsent', ['old-b']);
    await groups.settleGroup('unsent', '{}', NOW);

    const deleted = pruneRuns(db, { days: 30, now: () => NOW });

    expect(deleted.callbackGroups).toBe(1);
    expect(await groups.group('done-old')).toBeNull();
    expect((await groups.group('mixed'))?.state).toBe('open');
    expect((await groups.group('unsent'))?.state).toBe('pending');
    expect((await groups.openGroupsOf('recent')).map((g) => g.id)).toEqual(['mixed']);
    expect(await groups.openGroupsOf('old-a')).toEqual([]);
  });

  it('deletes old finished runs with their events, journal rows and callback outbox; keeps recent ones', () => {
    seed(run('old-converged', 'converged', 40));
    seed(run('old-failed', 'failed', 31));
    seed(run('old-cancelled', 'cancelled', 100));
    seed(run('recent', 'converged', 29));

    const deleted = pruneRuns(db, { days: 30, now: () => NOW });

    expect(deleted).toEqual<PruneResult>({
      runs: 3,
      events: 6,
      agents: 6,
      callbackDeliveries: 3,
      callbackRegistrations: 3,
      callbackGroups: 0,
    });
    for (const id of ['old-converged', 'old-failed', 'old-cancelled']) expect(rowsOf(id)).toEqual(NONE);
    expect(rowsOf('recent')).toEqual(ALL);
    expect(runs.get('recent')?.status).toBe('converged');
  });

  it('never deletes a run that is not finished, however old', () => {
    const unfinished: RunStatus[] = ['queued', 'planning', 'awaiting_approval', 'running'];
    for (const s of unfinished) seed(run(`old-${s}`, s, 365));

    expect(pruneRuns(db, { days: 1, now: () => NOW }).runs).toBe(0);
    for (const s of unfinished) expect(rowsOf(`old-${s}`)).toEqual(ALL);
  });

  it('keeps the parent of an unfinished rerun (the rerun replays from its journal), and prunes it once the rerun is done', () => {
    seed(run('parent', 'converged', 90));
    const child = run('child', 'running', 0, { parentId: 'parent' });
    seed(child);

    expect(pruneRuns(db, { days: 30, now: () => NOW }).runs).toBe(0);
    expect(rowsOf('parent')).toEqual(ALL);

    runs.update({ ...child, status: 'converged' });
    expect(pruneRuns(db, { days: 30, now: () => NOW }).runs).toBe(1);
    expect(rowsOf('parent')).toEqual(NONE);
    expect(rowsOf('child')).toEqual(ALL);
  });

  it('ages a run by its last change, not by when it was created', () => {
    seed(run('long-running', 'converged', 2, { createdAt: daysAgo(60) }));
    expect(pruneRuns(db, { days: 30, now: () => NOW }).runs).toBe(0);
    expect(rowsOf('long-running')).toEqual(ALL);
  });

  it('works through a backlog in batches and deletes all of it', () => {
    for (let i = 0; i < 25; i++) seed(run(`r${i}`, 'converged', 50));
    seed(run('keep', 'running', 50));

    const deleted = pruneRuns(db, { days: 30, batchSize: 4, now: () => NOW });

    expect(deleted.runs).toBe(25);
    expect(deleted.events).toBe(50);
    expect((db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n).toBe(1);
    expect(rowsOf('keep')).toEqual(ALL);
    expect(pruneRuns(db, { days: 30, now: () => NOW }).runs).toBe(0);
  });

  it('works on a database without the callback tables', () => {
    const bare = openDatabase(':memory:');
    try {
      const store = new RunStore(bare);
      store.insert(run('old', 'failed', 10), { task: 't' }, null);
      new EventLog(bare).append('old', { type: 'log', message: 'x' });
      expect(pruneRuns(bare, { days: 5, now: () => NOW })).toEqual<PruneResult>({
        runs: 1,
        events: 1,
        agents: 0,
        callbackDeliveries: 0,
        callbackRegistrations: 0,
        callbackGroups: 0,
      });
    } finally {
      bare.close();
    }
  });

  it('rolls a batch back whole when a delete fails', () => {
    seed(run('old', 'converged', 40));
    // A delivery row whose registration belongs to no pruned run makes the registration delete break its foreign key.
    db.exec("INSERT INTO callback_registrations (id, run_id, url, events, created_at) VALUES ('shared', 'old', 'http://x', '[]', 'x')");
    db.exec(
      "INSERT INTO callback_deliveries (registration_id, run_id, url, status, body, state, next_attempt_at, created_at, updated_at) VALUES ('shared', 'other', 'http://x', 'converged', '{}', 'pending', 0, 'x', 'x')",
    );

    expect(() => pruneRuns(db, { days: 30, now: () => NOW })).toThrow(/FOREIGN KEY/i);
    expect(rowsOf('old')).toEqual({ ...ALL, registrations: 2 });
  });

  it('rejects a non-positive age or batch size, naming the option', () => {
    expect(() => pruneRuns(db, { days: 0 })).toThrow('Expected `days` to be a number > 0, got 0');
    expect(() => pruneRuns(db, { days: Number.NaN })).toThrow(/`days`/);
    expect(() => pruneRuns(db, { days: 1, batchSize: 0 })).toThrow(/`batchSize`/);
  });

  it('schedulePrune prunes at once, reports errors instead of throwing, and stops', async () => {
    seed(run('old', 'converged', 40));
    const results: PruneResult[] = [];
    const errors: unknown[] = [];
    let stop = schedulePrune(db, {
      days: 30,
      now: () => NOW,
      everyMs: 3_600_000,
      onPrune: (r) => results.push(r),
      onError: (e) => errors.push(e),
    });
    await waitFor(() => results.length === 1);
    stop();
    expect(results[0].runs).toBe(1);
    expect(rowsOf('old')).toEqual(NONE);

    const closed = openDatabase(':memory:');
    closed.close();
    stop = schedulePrune(closed, { days: 30, onError: (e) => errors.push(e) });
    await waitFor(() => errors.length === 1);
    expect(String(errors[0])).toMatch(/not open/);
    stop();
    expect(() => schedulePrune(db, { days: 30, everyMs: 0 })).toThrow(/`everyMs`/);
    expect(() => schedulePrune(db, { days: -1 })).toThrow(/`days`/);
  });

  it('schedulePrune prunes without an onPrune callback', async () => {
    seed(run('old', 'converged', 40));
    const stop = schedulePrune(db, { days: 30, now: () => NOW });
    await waitFor(() => count('runs', 'old', 'id') === 0);
    stop();
    expect(rowsOf('old')).toEqual(NONE);
  });

  it('a stopped schedule does not prune', async () => {
    seed(run('old', 'converged', 40));
    const stop = schedulePrune(db, { days: 30, now: () => NOW });
    stop();
    // The first prune was due on the next timer turn; let several pass.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    expect(rowsOf('old')).toEqual(ALL);
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
