import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WorkspaceError } from '../errors/errors';
import { ToolFailedError } from './errors';
import type { ToolContext } from './types';

/**
 * Whether `candidate` is `root` or below it. The trailing separator matters: without it
 * `/data/ws-evil` would pass as inside `/data/ws`.
 */
export function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

function isAbsoluteAnywhere(p: string): boolean {
  return path.isAbsolute(p) || path.win32.isAbsolute(p) || path.posix.isAbsolute(p);
}

function hasDotDot(p: string): boolean {
  return p.split(/[\\/]+/).includes('..');
}

function errno(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/**
 * Resolves a run's `workspace` option (a name or relative path) to the real path of a
 * directory under one of the configured roots, tried in order. Traversal, absolute paths,
 * symlinks that leave the root and missing directories are refused with a WorkspaceError
 * that names the problem.
 */
export function resolveWorkspace(roots: readonly string[], name: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw new WorkspaceError('Expected `workspace` to be a non-empty name');
  if (name.includes('\0')) throw new WorkspaceError('Expected `workspace` to be a name without NUL characters');
  if (isAbsoluteAnywhere(name)) {
    throw new WorkspaceError(`Workspace "${name}" is an absolute path: name a directory under the workspace roots (DW_WORKSPACE_ROOTS)`);
  }
  if (hasDotDot(name)) throw new WorkspaceError(`Workspace "${name}" contains "..": workspaces cannot leave their root`);
  if (name.split(/[\\/]+/).every((seg) => seg === '' || seg === '.')) {
    throw new WorkspaceError(`Workspace "${name}" names the root itself: name a directory under it`);
  }
  if (roots.length === 0) throw new WorkspaceError('No workspace roots are configured (DW_WORKSPACE_ROOTS)');

  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = fs.realpathSync(root);
    } catch {
      continue;
    }
    const candidate = path.resolve(realRoot, name);
    let real: string;
    try {
      real = fs.realpathSync(candidate);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') continue;
      throw new WorkspaceError(`Workspace "${name}" cannot be read (${errno(err) ?? 'error'})`);
    }
    if (!isInside(realRoot, real) || real === realRoot) {
      throw new WorkspaceError(`Workspace "${name}" resolves outside its workspace root (a symlink points out of it)`);
    }
    if (!fs.statSync(real).isDirectory()) throw new WorkspaceError(`Workspace "${name}" is not a directory`);
    return real;
  }
  throw new WorkspaceError(`Workspace "${name}" does not exist under the configured workspace roots (DW_WORKSPACE_ROOTS)`);
}

/** A path inside the run's workspace, as the real path on disk and as the model should see it. */
export interface ConfinedPath {
  /** Real path of the workspace directory. */
  readonly root: string;
  /** Real, absolute path of the target (or where it will be created). */
  readonly abs: string;
  /** Path relative to the workspace, with `/` separators (`.` for the root). */
  readonly rel: string;
  readonly exists: boolean;
}

export function toRel(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

export async function workspaceRoot(ctx: ToolContext): Promise<string> {
  if (!ctx.workspaceDir) {
    throw new WorkspaceError('This run has no workspace: the operator sets the `workspace` option to use file tools');
  }
  try {
    return await fsp.realpath(ctx.workspaceDir);
  } catch {
    throw new WorkspaceError("The run's workspace directory no longer exists");
  }
}

/**
 * Confines a tool's `path` argument to the workspace: relative only, no `..` escape, and
 * after following symlinks still inside (fs.realpath, then a prefix check). With
 * `allowMissing`, a path that does not exist yet is checked through its deepest existing
 * ancestor, so write_file cannot create files through a symlinked directory.
 */
export async function confine(ctx: ToolContext, input: string | undefined, opts: { allowMissing?: boolean } = {}): Promise<ConfinedPath> {
  const root = await workspaceRoot(ctx);
  const p = input === undefined || input === '' ? '.' : input;
  if (p.includes('\0')) throw new WorkspaceError('Paths cannot contain NUL characters');
  if (isAbsoluteAnywhere(p)) throw new WorkspaceError(`Absolute paths are refused: use a path relative to the workspace (got "${p}")`);
  const lexical = path.resolve(root, p);
  if (!isInside(root, lexical)) throw new WorkspaceError(`Path "${p}" escapes the workspace`);

  let real: string;
  try {
    real = await fsp.realpath(lexical);
  } catch (err) {
    if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw new ToolFailedError(`Cannot access "${p}" (${errno(err) ?? 'error'})`);
    if (!opts.allowMissing) throw new ToolFailedError(`No such file or directory: ${p}`);
    return confineMissing(root, lexical, p);
  }
  if (!isInside(root, real)) throw new WorkspaceError(`Path "${p}" resolves outside the workspace (through a symlink)`);
  return { root, abs: real, rel: toRel(root, real), exists: true };
}

async function confineMissing(root: string, lexical: string, p: string): Promise<ConfinedPath> {
  const rest: string[] = [];
  let cur = lexical;
  for (;;) {
    // realpath failed for `cur`; if lstat still finds it, it is a dangling symlink, and
    // creating through it would land wherever it points.
    const found = await fsp.lstat(cur).then(
      () => true,
      (err: unknown) => {
        if (errno(err) === 'ENOENT') return false;
        if (errno(err) === 'ENOTDIR') throw new ToolFailedError(`A parent of "${p}" is a file, not a directory`);
        throw new ToolFailedError(`Cannot access "${p}" (${errno(err) ?? 'error'})`);
      },
    );
    if (found) throw new WorkspaceError(`Path "${p}" goes through a broken symlink`);
    rest.unshift(path.basename(cur));
    cur = path.dirname(cur);
    // The root exists, so the walk ends at it at the latest.
    if (!isInside(root, cur)) throw new WorkspaceError(`Path "${p}" escapes the workspace`);
    let realDir: string;
    try {
      realDir = await fsp.realpath(cur);
    } catch (err) {
      if (errno(err) === 'ENOENT') continue;
      if (errno(err) === 'ENOTDIR') throw new ToolFailedError(`A parent of "${p}" is a file, not a directory`);
      throw new ToolFailedError(`Cannot access "${p}" (${errno(err) ?? 'error'})`);
    }
    if (!isInside(root, realDir)) throw new WorkspaceError(`Path "${p}" resolves outside the workspace (through a symlink)`);
    const abs = path.join(realDir, ...rest);
    return { root, abs, rel: toRel(root, abs), exists: false };
  }
}
