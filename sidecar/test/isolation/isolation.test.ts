import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Isolation } from '../../src/isolation';
import { gitIn, makeRepo, worktreesOf } from '../support/git-repo';

let base: string;
let iso: Isolation;
const root = (): string => path.join(base, 'data', 'isolation');
beforeEach(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-isolation-')));
  iso = new Isolation({ root: root(), copyLimits: { maxBytes: 10_000, maxEntries: 20 } });
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

describe('a git workspace', () => {
  let repo: string;
  beforeEach(() => {
    repo = makeRepo(path.join(base, 'repo'), { 'README.md': '# repo\n', 'src/a.ts': 'export const a = 1;\n' });
  });

  test('an agent that changes files gets its own worktree at HEAD, committed on dw/<run>/<seq> and kept', async () => {
    const copy = await iso.open(repo, 'run-1', 3);
    expect(copy).toMatchObject({ kind: 'worktree', dir: path.join(root(), 'run-1', '3'), branch: 'dw/run-1/3' });
    expect(fs.readFileSync(path.join(copy.dir, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    expect(worktreesOf(repo)).toEqual([repo, copy.dir]);
    fs.writeFileSync(path.join(copy.dir, 'src/a.ts'), 'export const a = 2;\n');
    fs.writeFileSync(path.join(copy.dir, 'NOTES.md'), 'new file\n');

    const out = await iso.close(copy, 'Agent 3 of run run-1');
    expect(out).toEqual({
      kind: 'worktree',
      changed: true,
      path: copy.dir,
      branch: 'dw/run-1/3',
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(gitIn(repo, 'rev-parse', 'dw/run-1/3').trim()).toBe(out.commit);
    expect(gitIn(repo, 'show', 'dw/run-1/3:src/a.ts')).toBe('export const a = 2;\n');
    expect(gitIn(repo, 'show', 'dw/run-1/3:NOTES.md')).toBe('new file\n');
    expect(gitIn(repo, 'log', '-1', '--format=%s', 'dw/run-1/3').trim()).toBe('Agent 3 of run run-1');
    // The workspace itself is untouched: its branch, files and status.
    expect(gitIn(repo, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(fs.readFileSync(path.join(repo, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
  });

  test('an agent that changes nothing leaves no worktree and no branch', async () => {
    const copy = await iso.open(repo, 'run-1', 1);
    expect(await iso.close(copy, 'unchanged')).toEqual({ kind: 'worktree', changed: false, path: null, branch: null, commit: null });
    expect(fs.existsSync(copy.dir)).toBe(false);
    expect(worktreesOf(repo)).toEqual([repo]);
    expect(gitIn(repo, 'branch', '--list', 'dw/*')).toBe('');
  });

  test('the commit goes to the repository the worktree was made from, even if the agent rewrote its .git file', async () => {
    const other = makeRepo(path.join(base, 'other'), { 'x.txt': 'x\n' });
    const copy = await iso.open(repo, 'run-1', 2);
    fs.writeFileSync(path.join(copy.dir, '.git'), `gitdir: ${path.join(other, '.git')}\n`);
    fs.writeFileSync(path.join(copy.dir, 'changed.txt'), 'changed\n');
    const out = await iso.close(copy, 'm');
    expect(out.branch).toBe('dw/run-1/2');
    expect(gitIn(repo, 'show', 'dw/run-1/2:changed.txt')).toBe('changed\n');
    expect(gitIn(other, 'branch', '--list', 'dw/*')).toBe('');
    expect(gitIn(other, 'log', '--format=%s')).toBe('first\n');
  });

  test('many agents on one repository open and close their worktrees at once', async () => {
    const copies = await Promise.all(Array.from({ length: 8 }, (_, i) => iso.open(repo, 'run-2', i + 1)));
    expect(new Set(copies.map((c) => c.dir)).size).toBe(8);
    copies.forEach((c, i) => i % 2 === 0 && fs.writeFileSync(path.join(c.dir, `f${i}.txt`), `${i}\n`));
    const outs = await Promise.all(copies.map((c) => iso.close(c, `agent ${c.branch}`)));
    expect(outs.map((o) => o.changed)).toEqual([true, false, true, false, true, false, true, false]);
    expect(worktreesOf(repo)).toHaveLength(1 + 4);
    expect(gitIn(repo, 'branch', '--list', 'dw/*', '--format=%(refname:short)').trim().split('\n').sort()).toEqual([
      'dw/run-2/1',
      'dw/run-2/3',
      'dw/run-2/5',
      'dw/run-2/7',
    ]);
  });

  test('an agent run again after a crash starts from a fresh worktree', async () => {
    const first = await iso.open(repo, 'run-3', 1);
    fs.writeFileSync(path.join(first.dir, 'half-done.txt'), 'x');
    const again = await iso.open(repo, 'run-3', 1);
    expect(again.dir).toBe(first.dir);
    expect(fs.existsSync(path.join(again.dir, 'half-done.txt'))).toBe(false);
    expect(worktreesOf(repo)).toEqual([repo, again.dir]);
  });

  test('an agent run again after an attempt that committed starts without the branch of that attempt', async () => {
    const first = await iso.open(repo, 'run-3', 2);
    fs.writeFileSync(path.join(first.dir, 'attempt-1.txt'), 'x');
    expect((await iso.close(first, 'attempt 1')).branch).toBe('dw/run-3/2');
    const again = await iso.open(repo, 'run-3', 2);
    expect(gitIn(repo, 'branch', '--list', 'dw/*')).toBe('');
    expect(await iso.close(again, 'attempt 2')).toMatchObject({ changed: false, branch: null });
    expect(gitIn(repo, 'branch', '--list', 'dw/*')).toBe('');
  });

  test('sweep removes the copies it is told are left over, prunes the worktree list, and keeps the rest', async () => {
    const leftover = await iso.open(repo, 'run-4', 1);
    const kept = await iso.open(repo, 'run-4', 2);
    const other = await iso.open(repo, 'run-5', 1);
    const removed = await iso.sweep((runId, seq) => runId === 'run-4' && seq === 1);
    expect(removed).toBe(1);
    expect(fs.existsSync(leftover.dir)).toBe(false);
    expect(worktreesOf(repo)).toEqual([repo, kept.dir, other.dir]);
    expect(await iso.sweep(() => true)).toBe(2);
    expect(worktreesOf(repo)).toEqual([repo]);
    expect(fs.readdirSync(root())).toEqual([]);
  });

  // Changing a folder's owner needs root (CI containers and this project's dev machine run as root).
  (process.getuid?.() === 0 ? test : test.skip)('a repository owned by another user (a mounted volume) still gets a worktree', async () => {
    fs.chownSync(repo, 12_345, 12_345);
    fs.chownSync(path.join(repo, '.git'), 12_345, 12_345);
    const copy = await iso.open(repo, 'run-10', 1);
    fs.writeFileSync(path.join(copy.dir, 'x.txt'), 'x\n');
    expect(await iso.close(copy, 'm')).toMatchObject({ kind: 'worktree', changed: true, branch: 'dw/run-10/1' });
  });

  test('a repository without a commit cannot give a worktree: isolation_failed says why', async () => {
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty);
    gitIn(empty, 'init', '-q');
    await expect(iso.open(fs.realpathSync(empty), 'run-6', 1)).rejects.toMatchObject({
      code: 'isolation_failed',
      message: expect.stringMatching(/no commit yet/),
    });
  });
});

describe('a workspace that is not a git repository', () => {
  let ws: string;
  beforeEach(() => {
    ws = path.join(base, 'plain');
    fs.mkdirSync(path.join(ws, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'docs/a.md'), 'a\n');
    fs.symlinkSync('docs/a.md', path.join(ws, 'link.md'));
  });

  test('is copied (symlinks as they are); an unchanged copy is removed', async () => {
    const copy = await iso.open(ws, 'run-7', 1);
    expect(copy.kind).toBe('copy');
    expect(fs.readFileSync(path.join(copy.dir, 'link.md'), 'utf8')).toBe('a\n');
    expect(fs.readlinkSync(path.join(copy.dir, 'link.md'))).toBe('docs/a.md');
    expect(await iso.close(copy, 'm')).toEqual({ kind: 'copy', changed: false, path: null, branch: null, commit: null });
    expect(fs.existsSync(copy.dir)).toBe(false);
  });

  test.each([
    ['a changed file', (d: string) => fs.writeFileSync(path.join(d, 'docs/a.md'), 'b\n')],
    ['a new file', (d: string) => fs.writeFileSync(path.join(d, 'new.md'), '')],
    ['a removed file', (d: string) => fs.rmSync(path.join(d, 'docs/a.md'))],
  ])('a copy with %s is kept where the record says', async (_what, change) => {
    const copy = await iso.open(ws, 'run-7', 2);
    change(copy.dir);
    expect(await iso.close(copy, 'm')).toEqual({ kind: 'copy', changed: true, path: copy.dir, branch: null, commit: null });
    expect(fs.existsSync(copy.dir)).toBe(true);
    expect(fs.readFileSync(path.join(ws, 'docs/a.md'), 'utf8')).toBe('a\n');
  });

  test('beyond the copy limits it fails with isolation_too_large and leaves nothing behind', async () => {
    fs.writeFileSync(path.join(ws, 'big.bin'), Buffer.alloc(20_000));
    await expect(iso.open(ws, 'run-8', 1)).rejects.toMatchObject({
      code: 'isolation_too_large',
      message: expect.stringMatching(/at most/),
    });
    fs.rmSync(path.join(ws, 'big.bin'));
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(ws, `f${i}`), '');
    await expect(iso.open(ws, 'run-8', 1)).rejects.toMatchObject({
      code: 'isolation_too_large',
      message: expect.stringMatching(/entries/),
    });
    expect(fs.existsSync(iso.dirOf('run-8', 1))).toBe(false);
  });

  test('a folder inside a larger repository is copied, not made a worktree of that repository', async () => {
    const outer = makeRepo(path.join(base, 'outer'), { 'top.txt': 'top\n' });
    fs.mkdirSync(path.join(outer, 'inner'));
    fs.writeFileSync(path.join(outer, 'inner', 'x.txt'), 'x\n');
    const copy = await iso.open(path.join(outer, 'inner'), 'run-9', 1);
    expect(copy.kind).toBe('copy');
    expect(fs.readdirSync(copy.dir)).toEqual(['x.txt']);
    expect(worktreesOf(outer)).toEqual([outer]);
  });
});

describe('the copies of one run', () => {
  test('are bounded at once, kept ones included: beyond the bound isolation_limit, and 0 turns isolation off', async () => {
    const repo = makeRepo(path.join(base, 'repo'), { 'a.txt': 'a\n' });
    const bounded = new Isolation({ root: root(), maxCopiesPerRun: 2 });
    const [first, second] = await Promise.all([bounded.open(repo, 'run-1', 1), bounded.open(repo, 'run-1', 2)]);
    await expect(bounded.open(repo, 'run-1', 3)).rejects.toMatchObject({ code: 'isolation_limit', message: /DW_MAX_ISOLATED_COPIES/ });
    // Another run has its own bound; the same agent run again replaces its own copy.
    await bounded.close(await bounded.open(repo, 'run-2', 1), 'm');
    await bounded.open(repo, 'run-1', 2);
    fs.writeFileSync(path.join(first.dir, 'changed.txt'), 'x');
    await bounded.close(first, 'kept');
    await bounded.close(second, 'removed');
    expect((await bounded.open(repo, 'run-1', 3)).dir).toBe(iso.dirOf('run-1', 3));
    await expect(bounded.open(repo, 'run-1', 4)).rejects.toMatchObject({ code: 'isolation_limit' });
    expect(fs.existsSync(iso.dirOf('run-1', 4))).toBe(false);

    const off = new Isolation({ root: root(), maxCopiesPerRun: 0 });
    await expect(off.open(repo, 'run-3', 1)).rejects.toMatchObject({ code: 'isolation_limit', message: /turned off/ });
  });

  test('many at once on a plain workspace never pass the bound', async () => {
    const ws = path.join(base, 'plain');
    fs.mkdirSync(ws);
    fs.writeFileSync(path.join(ws, 'a.txt'), 'a');
    const bounded = new Isolation({ root: root(), maxCopiesPerRun: 3 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => bounded.open(ws, 'run-4', i + 1)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(fs.readdirSync(path.join(root(), 'run-4')).filter((n) => !n.endsWith('.json'))).toHaveLength(3);
  });
});
