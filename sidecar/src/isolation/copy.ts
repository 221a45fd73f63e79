import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { IsolationTooLargeError } from '../errors/errors';

/** Bounds of the plain copy an isolated agent gets of a workspace that is not a git repository. */
export interface CopyLimits {
  /** Total size of the files copied. @default 100 MiB */
  readonly maxBytes: number;
  /** Files, folders and symlinks copied. @default 10,000 */
  readonly maxEntries: number;
}

export const DEFAULT_COPY_LIMITS: CopyLimits = { maxBytes: 100 * 1024 * 1024, maxEntries: 10_000 };

/** What a copy held when it was made: relative path → a digest of the entry (file content, link target, or a folder). */
export type Manifest = ReadonlyMap<string, string>;

interface Entry {
  readonly rel: string;
  readonly kind: 'dir' | 'file' | 'link';
  readonly size: number;
}

/**
 * Lists a tree with lstat (symlinks are entries, never followed), refusing it with
 * isolation_too_large as soon as it passes a bound, so a huge tree is not walked to the end.
 * Sockets, FIFOs and devices are left out.
 */
async function list(root: string, limits: CopyLimits): Promise<Entry[]> {
  const out: Entry[] = [];
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await fsp.readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const st = await fsp.lstat(path.join(root, childRel));
      const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : null;
      if (kind === null) continue;
      out.push({ rel: childRel, kind, size: kind === 'file' ? st.size : 0 });
      if (kind === 'file') bytes += st.size;
      if (out.length > limits.maxEntries)
        throw new IsolationTooLargeError(`more than ${limits.maxEntries} entries`, `${limits.maxEntries} entries`);
      if (bytes > limits.maxBytes) throw new IsolationTooLargeError(`more than ${mb(limits.maxBytes)} of files`, `${mb(limits.maxBytes)}`);
      if (kind === 'dir') await walk(childRel);
    }
  };
  await walk('');
  return out;
}

const mb = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

async function digest(abs: string, kind: Entry['kind']): Promise<string> {
  if (kind === 'dir') return 'dir';
  if (kind === 'link') return `link:${await fsp.readlink(abs)}`;
  return `file:${createHash('sha256')
    .update(await fsp.readFile(abs))
    .digest('hex')}`;
}

/**
 * Copies `source` into `dest` (missing or empty) within `limits`: files with their mode,
 * symlinks as they are (a link out of the copy stays refused by the file tools). Returns the
 * manifest `changed()` compares the copy with later.
 */
export async function copyTree(source: string, dest: string, limits: CopyLimits): Promise<Manifest> {
  const entries = await list(source, limits);
  const manifest = new Map<string, string>();
  await fsp.mkdir(dest, { recursive: true });
  for (const e of entries) {
    const from = path.join(source, e.rel);
    const to = path.join(dest, e.rel);
    if (e.kind === 'dir') await fsp.mkdir(to);
    else if (e.kind === 'link') await fsp.symlink(await fsp.readlink(from), to);
    else await fsp.copyFile(from, to);
    manifest.set(e.rel, await digest(to, e.kind));
  }
  return manifest;
}

/** Whether the tree at `dir` differs from `manifest`: an entry added, removed, or changed. */
export async function changedSince(dir: string, manifest: Manifest): Promise<boolean> {
  // The copy may have grown past the bounds; anything over them is a change anyway.
  let entries: Entry[];
  try {
    entries = await list(dir, { maxBytes: Number.MAX_SAFE_INTEGER, maxEntries: manifest.size + 1 });
  } catch {
    return true;
  }
  if (entries.length !== manifest.size) return true;
  for (const e of entries) {
    const before = manifest.get(e.rel);
    if (before === undefined || before !== (await digest(path.join(dir, e.rel), e.kind))) return true;
  }
  return false;
}
