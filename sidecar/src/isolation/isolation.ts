import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { AgentIsolation } from '../core/types';
import { IsolationFailedError, IsolationLimitError } from '../errors/errors';
import { changedSince, copyTree, DEFAULT_COPY_LIMITS, type CopyLimits, type Manifest } from './copy';
import { git, KeyedSerializer } from './git';

/** Options of the isolation service. */
export interface IsolationOptions {
  /** Folder the sidecar owns, holding `<runId>/<seq>` copies (`<DW_DATA_DIR>/isolation`). */
  readonly root: string;
  /** @default DEFAULT_COPY_LIMITS */
  readonly copyLimits?: CopyLimits;
  /** Copies one run may hold at once, kept ones included; 0 turns isolation off. @default 64 */
  readonly maxCopiesPerRun?: number;
}

/** An isolated agent's own copy of the workspace, while the agent works in it. */
export interface IsolatedCopy {
  readonly kind: AgentIsolation['kind'];
  /** The copy's folder: the agent's workspace. */
  readonly dir: string;
  /** The branch its changes are committed on. */
  readonly branch: string;
  /** Worktrees: the repository's top folder and the worktree's own git folder, read when it was made. */
  readonly repo: string | null;
  readonly gitDir: string | null;
  /** Plain copies: what the copy held at first. */
  readonly manifest: Manifest | null;
}

/** Written beside a copy, outside it (the agent cannot edit it): what sweep() needs to remove it. */
interface CopyNote {
  readonly kind: AgentIsolation['kind'];
  readonly repo: string | null;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Copies of a writable workspace for agents that ask for `isolation: 'worktree'`: a
 * `git worktree add --detach` at HEAD when the workspace is the top of a git repository, else
 * a plain copy within `copyLimits`. When the agent ends, an unchanged copy is removed; a
 * changed worktree is committed on the branch `dw/<runId>/<seq>` and kept, a changed plain
 * copy is kept. git never runs through a path the agent could have edited: the worktree's git
 * folder is read when it is made, and hooks and fsmonitor are off.
 */
export class Isolation {
  private readonly serial = new KeyedSerializer();
  private readonly root: string;
  private readonly limits: CopyLimits;
  private readonly maxCopies: number;

  constructor(opts: IsolationOptions) {
    this.root = path.resolve(opts.root);
    this.limits = opts.copyLimits ?? DEFAULT_COPY_LIMITS;
    this.maxCopies = opts.maxCopiesPerRun ?? 64;
    if (!Number.isInteger(this.maxCopies) || this.maxCopies < 0)
      throw new RangeError(`Expected \`maxCopiesPerRun\` to be an integer >= 0, got ${this.maxCopies}`);
  }

  /** The folder of agent `seq` of run `runId`. */
  dirOf(runId: string, seq: number): string {
    if (!SEGMENT.test(runId) || !Number.isInteger(seq) || seq < 0)
      throw new IsolationFailedError(`Invalid run id or agent number: ${runId}/${seq}`);
    return path.join(this.root, runId, String(seq));
  }

  /**
   * Makes agent `seq`'s copy of `workspace` (a real path). A folder left by an earlier attempt
   * of the same agent (a crash) is removed first: the agent starts again from the workspace.
   */
  async open(workspace: string, runId: string, seq: number): Promise<IsolatedCopy> {
    const dir = this.dirOf(runId, seq);
    const branch = `dw/${runId}/${seq}`;
    const repo = await repositoryTop(workspace);
    await this.remove(dir);
    await this.reserve(runId, dir);
    await this.writeNote(dir, { kind: repo ? 'worktree' : 'copy', repo });
    // From here on a failure leaves nothing behind: the copy, its note and any worktree go.
    try {
      return await this.make(workspace, dir, branch, repo);
    } catch (err) {
      await this.remove(dir).catch(() => undefined);
      throw err;
    }
  }

  private async make(workspace: string, dir: string, branch: string, repo: string | null): Promise<IsolatedCopy> {
    if (!repo) return { kind: 'copy', dir, branch, repo: null, gitDir: null, manifest: await copyTree(workspace, dir, this.limits) };
    return this.serial.run(repo, async () => {
      // An earlier attempt of this agent (stopped by a shutdown, or restarted) may have left its branch.
      if ((await git(['branch', '--list', branch], repo)).trim() !== '') await git(['branch', '-D', '-q', branch], repo);
      await git(['worktree', 'add', '--detach', dir, 'HEAD'], repo).catch((err: unknown) => {
        throw noCommitYet(err, repo);
      });
      const gitDir = path.resolve(dir, (await git(['rev-parse', '--git-dir'], dir)).trim());
      return { kind: 'worktree' as const, dir, branch, repo, gitDir, manifest: null };
    });
  }

  /**
   * Ends an agent's copy: removed when nothing changed, else kept (a worktree's changes committed
   * on its branch). Never throws: a copy that cannot be finished is kept and said to be changed,
   * so nothing the agent wrote is lost; `onError` hears why.
   */
  async close(copy: IsolatedCopy, message: string, onError?: (err: unknown) => void): Promise<AgentIsolation> {
    try {
      return copy.kind === 'worktree' ? await this.closeWorktree(copy, message) : await this.closeCopy(copy);
    } catch (err) {
      onError?.(err);
      return { kind: copy.kind, changed: true, path: copy.dir, branch: null, commit: null };
    }
  }

  /**
   * Removes the copies `isLeftover(runId, seq, dir)` names (those of ended runs that no agent
   * record keeps), then prunes the repositories' worktree lists. Returns how many it removed.
   */
  async sweep(isLeftover: (runId: string, seq: number, dir: string) => boolean | Promise<boolean>): Promise<number> {
    let removed = 0;
    for (const runId of await names(this.root)) {
      if (!SEGMENT.test(runId)) continue;
      const runDir = path.join(this.root, runId);
      for (const name of await names(runDir)) {
        if (!/^\d+$/.test(name)) continue;
        const dir = path.join(runDir, name);
        if (!(await isLeftover(runId, Number(name), dir))) continue;
        await this.remove(dir);
        removed++;
      }
      if ((await names(runDir)).length === 0) await fsp.rm(runDir, { recursive: true, force: true });
    }
    return removed;
  }

  /** Creates the copy's (empty) folder, unless the run already holds as many copies as allowed. */
  private reserve(runId: string, dir: string): Promise<void> {
    return this.serial.run(`run:${runId}`, async () => {
      if ((await names(path.dirname(dir))).length >= this.maxCopies) throw new IsolationLimitError(this.maxCopies);
      await fsp.mkdir(dir, { recursive: true });
    });
  }

  private async closeWorktree(copy: IsolatedCopy, message: string): Promise<AgentIsolation> {
    const repo = copy.repo as string;
    const g = ['--git-dir', copy.gitDir as string, '--work-tree', copy.dir];
    return this.serial.run(repo, async () => {
      const status = await git([...g, 'status', '--porcelain', '--untracked-files=all'], copy.dir);
      if (status.trim() === '') {
        await this.removeWorktree(copy.dir, repo);
        return { kind: 'worktree', changed: false, path: null, branch: null, commit: null };
      }
      await git([...g, 'checkout', '-q', '-B', copy.branch], copy.dir);
      await git([...g, 'add', '-A'], copy.dir);
      await git([...g, 'commit', '-q', '--no-verify', '-m', message], copy.dir);
      const commit = (await git([...g, 'rev-parse', 'HEAD'], copy.dir)).trim();
      return { kind: 'worktree', changed: true, path: copy.dir, branch: copy.branch, commit };
    });
  }

  private async closeCopy(copy: IsolatedCopy): Promise<AgentIsolation> {
    if (await changedSince(copy.dir, copy.manifest ?? new Map()))
      return { kind: 'copy', changed: true, path: copy.dir, branch: null, commit: null };
    await this.remove(copy.dir);
    return { kind: 'copy', changed: false, path: null, branch: null, commit: null };
  }

  /** Removes a copy and its note; a worktree also from its repository's list. */
  private async remove(dir: string): Promise<void> {
    const note = await this.readNote(dir);
    if (note?.kind === 'worktree' && note.repo) await this.serial.run(note.repo, () => this.removeWorktree(dir, note.repo as string));
    else await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rm(`${dir}.json`, { force: true });
  }

  /** Deletes the folder (never through git in it), then lets git forget worktrees whose folder is gone. */
  private async removeWorktree(dir: string, repo: string): Promise<void> {
    await fsp.rm(dir, { recursive: true, force: true });
    if (fs.existsSync(repo)) await git(['worktree', 'prune'], repo);
  }

  private async writeNote(dir: string, note: CopyNote): Promise<void> {
    await fsp.writeFile(`${dir}.json`, JSON.stringify(note));
  }

  private async readNote(dir: string): Promise<CopyNote | null> {
    try {
      const note = JSON.parse(await fsp.readFile(`${dir}.json`, 'utf8')) as Partial<CopyNote>;
      return note.kind === 'worktree' || note.kind === 'copy'
        ? { kind: note.kind, repo: typeof note.repo === 'string' ? note.repo : null }
        : null;
    } catch {
      return null;
    }
  }
}

/** The workspace itself when it is the top folder of a git repository (a workspace inside a larger repository is copied). */
async function repositoryTop(workspace: string): Promise<string | null> {
  if (!fs.existsSync(path.join(workspace, '.git'))) return null;
  const top = (await git(['rev-parse', '--show-toplevel'], workspace)).trim();
  return fs.realpathSync(top) === workspace ? workspace : null;
}

function noCommitYet(err: unknown, repo: string): unknown {
  const text = err instanceof Error ? err.message : String(err);
  return /invalid reference|not a valid object name|unknown revision/i.test(text)
    ? new IsolationFailedError(`The repository ${path.basename(repo)} has no commit yet: a worktree starts at HEAD`)
    : err;
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir)).filter((n) => !n.endsWith('.json'));
  } catch {
    return [];
  }
}
