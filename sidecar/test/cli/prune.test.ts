import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pruneCommand } from '../../src/cli/prune';
import type { RunRecord, RunStatus } from '../../src/core/types';
import { openDatabase } from '../../src/store/db';
import { Isolation } from '../../src/isolation';
import { EventLog } from '../../src/store/events';
import { Journal } from '../../src/store/journal';
import { RunStore } from '../../src/store/runs';
import { makeRepo, worktreesOf } from '../support/git-repo';
import { agentRecord, runRecord } from '../support/records';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const DAY = 86_400_000;

function run(id: string, status: RunStatus, ageDays: number): RunRecord {
  const at = new Date(Date.now() - ageDays * DAY).toISOString();
  return runRecord(id, { status, createdAt: at, updatedAt: at });
}

/** A data folder with one old finished run, one old running run and one recent finished run. */
function seedDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-prune-'));
  const db = openDatabase(dir);
  const runs = new RunStore(db);
  const log = new EventLog(db);
  for (const r of [run('old', 'converged', 10), run('busy', 'running', 10), run('new', 'failed', 1)]) {
    runs.insert(r, { task: 't' }, null);
    log.append(r.id, { type: 'log', message: r.id });
  }
  db.close();
  return dir;
}

function remaining(dir: string): string[] {
  const db = openDatabase(dir);
  try {
    return (db.prepare('SELECT id FROM runs ORDER BY id').all() as unknown as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe('dynamic-workflows prune', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const dataDir = (): string => {
    const d = seedDataDir();
    dirs.push(d);
    return d;
  };

  it('--days deletes old finished runs, keeps running and recent ones, and prints what it deleted', async () => {
    const dir = dataDir();
    const out = capture();
    const err = capture();
    expect(await pruneCommand({ days: '5' }, { DW_DATA_DIR: dir }, out.stream, err.stream)).toBe(0);
    expect(JSON.parse(out.text())).toEqual({
      days: 5,
      dataDir: dir,
      deleted: { runs: 1, events: 1, agents: 0, callbackDeliveries: 0, callbackRegistrations: 0, callbackGroups: 0, isolationCopies: 0 },
    });
    expect(err.text()).toBe('');
    expect(remaining(dir)).toEqual(['busy', 'new']);
  });

  it('takes the age from DW_RETENTION_DAYS when --days is not given, and --days wins over it', async () => {
    const dir = dataDir();
    expect(await pruneCommand({}, { DW_DATA_DIR: dir, DW_RETENTION_DAYS: '30' }, capture().stream, capture().stream)).toBe(0);
    expect(remaining(dir)).toEqual(['busy', 'new', 'old']);
    expect(await pruneCommand({ days: '0.5' }, { DW_DATA_DIR: dir, DW_RETENTION_DAYS: '30' }, capture().stream, capture().stream)).toBe(0);
    expect(remaining(dir)).toEqual(['busy']);
  });

  it('refuses to guess an age: no --days and no DW_RETENTION_DAYS is a usage error that deletes nothing', async () => {
    const dir = dataDir();
    const err = capture();
    expect(await pruneCommand({}, { DW_DATA_DIR: dir }, capture().stream, err.stream)).toBe(2);
    expect(err.text()).toMatch(/--days N or set DW_RETENTION_DAYS/);
    expect(remaining(dir)).toEqual(['busy', 'new', 'old']);
  });

  it.each([['0'], ['-3'], ['soon'], ['']])('rejects --days %j with invalid_request', async (days) => {
    const dir = dataDir();
    const err = capture();
    expect(await pruneCommand({ days }, { DW_DATA_DIR: dir }, capture().stream, err.stream)).toBe(2);
    expect(err.text()).toMatch(/^invalid_request: Expected `--days` to be a number of days > 0/);
    expect(remaining(dir)).toEqual(['busy', 'new', 'old']);
  });

  it('rejects a bad DW_RETENTION_DAYS with invalid_config', async () => {
    const err = capture();
    expect(await pruneCommand({}, { DW_DATA_DIR: dataDir(), DW_RETENTION_DAYS: '0' }, capture().stream, err.stream)).toBe(2);
    expect(err.text()).toMatch(/^invalid_config: Expected `DW_RETENTION_DAYS`/);
  });

  it('does not create a data folder that does not exist', async () => {
    const dir = path.join(os.tmpdir(), `dw-prune-missing-${process.pid}-${Date.now()}`);
    const out = capture();
    expect(await pruneCommand({ days: '1' }, { DW_DATA_DIR: dir }, out.stream, capture().stream)).toBe(0);
    expect(JSON.parse(out.text()).deleted.runs).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('removes the copies of isolated agents that no remaining run keeps, and prunes the worktree list', async () => {
    const dir = dataDir();
    const repo = makeRepo(path.join(dir, 'repo'), { 'a.txt': 'a\n' });
    const iso = new Isolation({ root: path.join(dir, 'isolation') });
    const [ofOld, ofBusy, kept, stray] = await Promise.all([
      iso.open(repo, 'old', 1),
      iso.open(repo, 'busy', 1),
      iso.open(repo, 'new', 1),
      iso.open(repo, 'new', 2),
    ]);
    const db = openDatabase(dir);
    new Journal(db).write(
      agentRecord('new', 1, { isolation: { kind: 'worktree', changed: true, path: kept.dir, branch: 'dw/new/1', commit: 'c' } }),
    );
    db.close();
    const out = capture();
    expect(await pruneCommand({ days: '5' }, { DW_DATA_DIR: dir }, out.stream, capture().stream)).toBe(0);
    expect(JSON.parse(out.text()).deleted).toMatchObject({ runs: 1, isolationCopies: 2 });
    expect([ofOld, ofBusy, kept, stray].map((c) => fs.existsSync(c.dir))).toEqual([false, true, true, false]);
    expect(worktreesOf(repo)).toEqual([repo, ofBusy.dir, kept.dir]);
  });

  it('is registered with the real binary (dist/cli/main.js prune --days)', async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build -w sidecar\` first`);
    const dir = dataDir();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DW_DATA_DIR: dir };
    const ok = spawnSync(process.execPath, ['--no-node-snapshot', MAIN, 'prune', '--days', '5'], { env, encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout.trim()).deleted.runs).toBe(1);
    expect(remaining(dir)).toEqual(['busy', 'new']);

    const usage = spawnSync(process.execPath, ['--no-node-snapshot', MAIN, 'prune'], { env, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe('');
  });
});
