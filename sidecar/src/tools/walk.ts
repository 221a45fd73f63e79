import fsp from 'node:fs/promises';
import path from 'node:path';
import { toRel } from './workspace';

/** Never descended into by recursive listings and grep: large, generated, or version-control internals. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.hg', '.svn']);

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface WalkEntry {
  readonly abs: string;
  /** Relative to the workspace root, `/`-separated. */
  readonly rel: string;
  /** Relative to the directory the walk started in, `/`-separated. */
  readonly relFromStart: string;
  readonly kind: EntryKind;
}

/**
 * Entries under `start` (a real directory inside `root`), each directory's entries sorted
 * by name. Symlinks are reported but never followed, so a walk cannot leave the workspace.
 */
export async function* walk(root: string, start: string, opts: { recursive: boolean; signal?: AbortSignal }): AsyncGenerator<WalkEntry> {
  const stack = [start];
  while (stack.length > 0) {
    if (opts.signal?.aborted) return;
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const kind: EntryKind = e.isSymbolicLink() ? 'symlink' : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
      yield { abs, rel: toRel(root, abs), relFromStart: toRel(start, abs), kind };
      if (opts.recursive && kind === 'dir' && !SKIPPED_DIRS.has(e.name)) subdirs.push(abs);
    }
    stack.push(...subdirs.reverse());
  }
}
