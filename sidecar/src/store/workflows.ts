import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAX_SCRIPT_CHARS } from '../core/limits';
import type { ScriptMeta } from '../core/types';
import {
  ScriptTooLargeError,
  ValidationError,
  WorkflowExistsError,
  WorkflowNameError,
  WorkflowNotFoundError,
  WorkflowPathError,
  toErrorInfo,
  type ErrorInfo,
} from '../errors/errors';

/** A saved workflow's name: also its file name (`<name>.js`), so no dots, slashes or spaces. */
export const WORKFLOW_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
const NAME = new RegExp(WORKFLOW_NAME_PATTERN);
const NAME_RULE = '1-64 letters, digits, "_" or "-", starting with a letter or digit';
const EXTENSION = '.js';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** What the library lists of one saved workflow; `meta` is read from the script without running it. */
export interface SavedWorkflowSummary {
  readonly name: string;
  readonly description: string | null;
  readonly whenToUse: string | null;
  readonly phases: readonly string[];
  readonly meta: ScriptMeta | null;
  /** Hex SHA-256 of the script text. */
  readonly sha256: string;
  readonly chars: number;
  readonly updatedAt: string;
  /** False for a file put in the folder by hand that does not pass the script check; `error` says why. */
  readonly valid: boolean;
  readonly error?: ErrorInfo;
}

export interface SavedWorkflow extends SavedWorkflowSummary {
  readonly script: string;
}

/** A script found through `workflow({ scriptPath })`: its text, and its name when it is a saved workflow's file. */
export interface ResolvedScript {
  readonly script: string;
  readonly sha256: string;
  /** The path inside the workflows folder, with `/` separators. */
  readonly relativePath: string;
}

export interface WorkflowLibraryOptions {
  /** The folder of saved workflows (DW_WORKFLOWS_DIR); created 0700 on the first save. */
  readonly dir: string;
  /**
   * The script check every saved script passes (the same as a run's script). Throws a named error
   * (`script_invalid`) when the script is not valid; returns what it read of `meta`.
   */
  readonly check: (source: string) => { readonly meta: ScriptMeta | null };
  /** Longest script in characters. @default MAX_SCRIPT_CHARS (200,000) */
  readonly maxChars?: number;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Throws `invalid_workflow_name` unless `name` can be a saved workflow's name. */
export function assertWorkflowName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new WorkflowNameError(String(name), NAME_RULE);
}

/**
 * The saved workflows: one `<name>.js` file each in one folder, written atomically (a temporary file
 * renamed into place, or linked when it must not replace one), each checked like a run's script
 * before it is written. Nothing is cached: a file changed by hand is read as it is now.
 */
export class WorkflowLibrary {
  readonly dir: string;
  private readonly check: WorkflowLibraryOptions['check'];
  private readonly maxChars: number;

  constructor(opts: WorkflowLibraryOptions) {
    if (typeof opts.dir !== 'string' || !path.isAbsolute(opts.dir)) throw new ValidationError('Expected `dir` to be an absolute path');
    if (typeof opts.check !== 'function') throw new ValidationError('Expected `check` to be a function');
    const maxChars = opts.maxChars ?? MAX_SCRIPT_CHARS;
    if (!Number.isInteger(maxChars) || maxChars < 1) throw new ValidationError('Expected `maxChars` to be a positive integer');
    this.dir = opts.dir;
    this.check = opts.check;
    this.maxChars = maxChars;
  }

  /** Every saved workflow, by name. A file that fails the check is listed with `valid: false`. */
  list(): SavedWorkflowSummary[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: SavedWorkflowSummary[] = [];
    for (const file of names.sort()) {
      if (!file.endsWith(EXTENSION)) continue;
      const name = file.slice(0, -EXTENSION.length);
      if (!NAME.test(name)) continue;
      try {
        const { script: _script, ...summary } = this.get(name);
        out.push(summary);
      } catch {
        // Deleted meanwhile, or not a regular file inside the folder: not a saved workflow.
      }
    }
    return out;
  }

  /** One saved workflow with its script. @throws WorkflowNotFoundError */
  get(name: string): SavedWorkflow {
    assertWorkflowName(name);
    const file = this.fileOf(name);
    let script: string;
    let mtime: Date;
    try {
      ({ script, mtime } = this.readInside(file, name));
    } catch (err) {
      if (err instanceof WorkflowPathError) throw new WorkflowNotFoundError(name);
      throw err;
    }
    return this.describe(name, script, mtime);
  }

  /**
   * Saves `script` under `name` after the script check; `replace` allows overwriting an existing one.
   * @throws WorkflowExistsError (409) when it exists and `replace` is not set; ScriptCheckError; ScriptTooLargeError.
   */
  save(name: string, script: string, opts: { replace?: boolean } = {}): { workflow: SavedWorkflow; created: boolean } {
    assertWorkflowName(name);
    if (typeof script !== 'string' || script.trim() === '') throw new ValidationError('`script` must be a non-empty string');
    if (script.length > this.maxChars) throw new ScriptTooLargeError(script.length, this.maxChars);
    this.check(script);
    fs.mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    const file = this.fileOf(name);
    const tmp = path.join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = fs.openSync(tmp, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, FILE_MODE);
    let created = false;
    try {
      try {
        fs.writeFileSync(fd, script, 'utf8');
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (opts.replace) {
        created = !fs.existsSync(file);
        fs.renameSync(tmp, file);
      } else {
        try {
          // link() fails when the name exists: create-if-absent with no window between test and write.
          fs.linkSync(tmp, file);
          created = true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new WorkflowExistsError(name);
          throw err;
        }
      }
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    return { workflow: this.get(name), created };
  }

  /** @throws WorkflowNotFoundError */
  delete(name: string): void {
    assertWorkflowName(name);
    try {
      fs.unlinkSync(this.fileOf(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new WorkflowNotFoundError(name);
      throw err;
    }
  }

  /**
   * A script named by a path inside the workflows folder (relative to it, or absolute). The path's
   * real location (symlinks resolved) must be a regular file inside the folder.
   * @throws WorkflowPathError (`workflow_path_denied`) for anything outside it; WorkflowNotFoundError when there is no such file.
   */
  resolve(scriptPath: string): ResolvedScript {
    if (typeof scriptPath !== 'string' || scriptPath.trim() === '' || scriptPath.includes('\0'))
      throw new WorkflowPathError(String(scriptPath), 'scriptPath must be a non-empty path');
    const { script, relativePath } = this.readInside(path.resolve(this.dir, scriptPath), scriptPath);
    return { script, sha256: sha256(script), relativePath };
  }

  private fileOf(name: string): string {
    return path.join(this.dir, name + EXTENSION);
  }

  private describe(name: string, script: string, mtime: Date): SavedWorkflow {
    let meta: ScriptMeta | null = null;
    let error: ErrorInfo | undefined;
    try {
      meta = this.check(script).meta;
    } catch (err) {
      error = toErrorInfo(err);
    }
    return {
      name,
      description: typeof meta?.description === 'string' ? meta.description : null,
      whenToUse: typeof meta?.whenToUse === 'string' ? meta.whenToUse : null,
      phases: meta?.phases ?? [],
      meta,
      sha256: sha256(script),
      chars: script.length,
      updatedAt: mtime.toISOString(),
      valid: error === undefined,
      ...(error ? { error } : {}),
      script,
    };
  }

  /** Reads a regular file whose real path is inside the folder, within the size limit. */
  private readInside(file: string, asked: string): { script: string; mtime: Date; relativePath: string } {
    let root: string;
    let real: string;
    try {
      root = fs.realpathSync(this.dir);
      real = fs.realpathSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new WorkflowNotFoundError(asked);
      throw err;
    }
    const relativePath = path.relative(root, real);
    if (relativePath === '' || relativePath.startsWith('..') || path.isAbsolute(relativePath))
      throw new WorkflowPathError(asked, 'the script must be inside the workflows folder (DW_WORKFLOWS_DIR)');
    const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new WorkflowPathError(asked, 'not a regular file');
      // UTF-8 takes at most 4 bytes a character (a UTF-16 pair: 4 bytes, 2 characters).
      if (stat.size > this.maxChars * 4) throw new ScriptTooLargeError(stat.size, this.maxChars);
      const script = fs.readFileSync(fd, 'utf8');
      if (script.length > this.maxChars) throw new ScriptTooLargeError(script.length, this.maxChars);
      return { script, mtime: stat.mtime, relativePath: relativePath.split(path.sep).join('/') };
    } finally {
      fs.closeSync(fd);
    }
  }
}
