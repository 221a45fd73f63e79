/**
 * isolation: 'worktree' through the real engine, store, sandbox and offline model, on a real git
 * repository: journal replays (after a restart, and on rerun) do not make a worktree again, and
 * isolation is part of a call's fingerprint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentRecord, RunSpec } from '../../src/core/types';
import { Isolation } from '../../src/isolation';
import { createOfflineModelServer } from '../../src/offline';
import { startHarness, type Harness, type OfflineServer } from '../support/engine-harness';
import { gitIn, makeRepo, worktreesOf } from '../support/git-repo';

const WRITE = 'Write release notes to NOTES.md';
const LIST = 'List the files of the workspace';

let roots: string;
let repo: string;
let dataDir: string;
let model: { server: OfflineServer; url: string };
const env = (): Record<string, string> => ({ DW_WORKSPACE_ROOTS: roots, DW_WRITABLE_WORKSPACES: 'repo' });
const options: RunSpec['options'] = { workspace: 'repo', tools: ['read_file', 'write_file', 'list_files'] };
const script = (body: string): string => `export const meta = { name: 'iso', description: 'isolated agents', phases: ['Edit'] };\n${body}`;
const agents = async (h: Harness, id: string): Promise<AgentRecord[]> => (await h.engine.agents(id, { limit: 100 })).agents;
const calls = (prompt: string): number => model.server.stats().byPrompt[prompt] ?? 0;

beforeEach(async () => {
  roots = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-iso-engine-')));
  repo = makeRepo(path.join(roots, 'repo'), { 'README.md': '# repo\n' });
  dataDir = path.join(roots, 'data');
  const server = createOfflineModelServer({ latencyMs: 0 });
  model = { server, url: (await server.listen(0, '127.0.0.1')).url };
});
afterEach(async () => {
  await model.server.close();
  fs.rmSync(roots, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
  if (!(await check())) throw new Error('timed out');
}

test('after a restart, an isolated agent that had finished is replayed from the journal: no second worktree, same commit', async () => {
  const first = await startHarness({ dataDir, model, env: env() });
  const started = await first.engine.start({
    task: 'resume',
    options,
    script: script(`
      const notes = await agent('${WRITE}', { label: 'writer', isolation: 'worktree' });
      const slow = await agent('Take your time [offline:sleep=1500]', { label: 'slow' });
      return { notes: typeof notes, slow: typeof slow };`),
  });
  await until(
    async () => (await agents(first, started.id))[0]?.status === 'done' && (await agents(first, started.id))[1]?.status === 'active',
  );
  const before = (await agents(first, started.id))[0].isolation;
  const writerCalls = calls(WRITE);
  expect(writerCalls).toBe(2); // the write_file call, then the answer
  expect(before).toMatchObject({ kind: 'worktree', changed: true, branch: `dw/${started.id}/1` });
  await first.close();

  const second = await startHarness({ dataDir, model, env: env() });
  try {
    expect(await second.engine.resumeUnfinished()).toBe(1);
    const done = await second.engine.waitFor(started.id);
    expect(done.status).toBe('converged');
    expect(done.result).toEqual({ notes: 'string', slow: 'string' });
    expect((await agents(second, started.id))[0].isolation).toEqual(before);
    expect(calls(WRITE)).toBe(writerCalls);
    expect(gitIn(repo, 'rev-parse', `dw/${started.id}/1`).trim()).toBe(before?.commit);
    expect(worktreesOf(repo)).toEqual([repo, before?.path]);
    // The kept worktree belongs to a finished agent: a sweep leaves it.
    expect(await second.engine.sweepIsolation()).toBe(0);
    expect(fs.existsSync(before?.path ?? '')).toBe(true);
  } finally {
    await second.close();
  }
});

test('a rerun reuses the isolated answer and its branch without a new worktree; isolation is part of the fingerprint', async () => {
  const h = await startHarness({ dataDir, model, env: env() });
  try {
    const body = `
      const notes = await agent('${WRITE}', { label: 'writer', isolation: 'worktree' });
      const look = await agent('${LIST}', { label: 'look' });
      return [typeof notes, typeof look];`;
    const parent = await h.run({ task: 'rerun', options, script: script(body) });
    expect(parent.status).toBe('converged');
    const [writer] = await agents(h, parent.id);
    const trees = worktreesOf(repo);
    const paid = [calls(WRITE), calls(LIST)];
    expect(paid).toEqual([2, 2]); // each: a tool call, then the answer
    expect(trees).toEqual([repo, writer.isolation?.path]);

    const again = await h.engine.waitFor((await h.engine.rerun(parent.id, {})).id);
    expect(again.status).toBe('converged');
    expect((await agents(h, again.id)).map((a) => [a.replayed, a.isolation ?? null])).toEqual([
      [true, writer.isolation],
      [true, null],
    ]);
    expect([calls(WRITE), calls(LIST)]).toEqual(paid);
    expect(worktreesOf(repo)).toEqual(trees);

    // The same prompt, now isolated: a different call, so the agent runs (in a copy it leaves unchanged).
    const edited = await h.engine.waitFor(
      (await h.engine.rerun(parent.id, { script: script(body.replace(`{ label: 'look' }`, `{ label: 'look', isolation: 'worktree' }`)) }))
        .id,
    );
    expect(edited.status).toBe('converged');
    const [reused, look] = await agents(h, edited.id);
    expect(reused.replayed).toBe(true);
    expect(look).toMatchObject({ replayed: false, isolation: { kind: 'worktree', changed: false, path: null } });
    expect([calls(WRITE), calls(LIST)]).toEqual([paid[0], paid[1] + 2]);
    expect(worktreesOf(repo)).toEqual(trees);
  } finally {
    await h.close();
  }
});

test('a cancelled isolated agent ends its copy like any other; a copy an ended run left behind is swept', async () => {
  const h = await startHarness({ dataDir, model, env: env() });
  try {
    const started = await h.engine.start({
      task: 'cancel',
      options,
      script: script(`await agent('Think it over [offline:sleep=20000]', { label: 'slow', isolation: 'worktree' }); return 1;`),
    });
    await until(async () => (await agents(h, started.id))[0]?.status === 'active');
    await until(() => worktreesOf(repo).length === 2);
    const cancelled = await h.engine.cancel(started.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await agents(h, started.id))[0]).toMatchObject({ status: 'cancelled', isolation: { changed: false, path: null } });
    expect(worktreesOf(repo)).toEqual([repo]);

    // What a crash leaves: a copy no agent record keeps, under a run that has ended since.
    const leftover = await new Isolation({ root: path.join(dataDir, 'isolation') }).open(repo, started.id, 7);
    expect(await h.engine.sweepIsolation()).toBe(1);
    expect(fs.existsSync(leftover.dir)).toBe(false);
    expect(worktreesOf(repo)).toEqual([repo]);
  } finally {
    await h.close();
  }
});
