import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError } from '../errors/errors';

/** The lock file in the data folder, beside sidecar.db. */
export const LOCK_FILE = 'sidecar.lock';
/** Held for the few milliseconds it takes to replace a stale lock, so two starters cannot both replace it. */
const TAKEOVER_FILE = 'sidecar.lock.takeover';
/** A lock file younger than this with no content is being written; an older one was left by a crash. */
const UNWRITTEN_MS = 5_000;

/** What the lock file holds: who has the folder, and enough to tell a live holder from a reused pid. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the holder took the lock (ISO 8601). */
  readonly startedAt: string;
  /** `serve`, `run`, … */
  readonly command?: string;
  /** Linux: the holder's start time in clock ticks after boot (/proc/<pid>/stat, field 22); null elsewhere. */
  readonly procStart?: string | null;
  /** Linux: /proc/sys/kernel/random/boot_id when the lock was taken; null elsewhere. */
  readonly bootId?: string | null;
  /** Random, so a release removes this lock only, never one taken over by another process. */
  readonly nonce: string;
}

export interface AcquireOptions {
  /** Written into the lock for the message another starter shows. */
  readonly command?: string;
  /** Called when a lock whose holder is gone is replaced (holder null: the file was empty or damaged); `why` says how it was found gone. */
  readonly onTakeover?: (holder: LockHolder | null, why: string) => void;
}

/** Paths this process holds: a second acquire in the same process is refused like any other. */
const heldHere = new Set<string>();

/**
 * An exclusive lock on a data folder, so two sidecars never resume (and pay for) the same runs.
 * The lock is a file created with O_EXCL holding the holder's pid, host, start time and (on
 * Linux) its process start time and boot id. A lock whose holder is on this host and gone (pid
 * dead, or the pid now belongs to a process that started later, or the machine rebooted) is
 * taken over; a holder on another host counts as alive. Released on `release()` and on any
 * `process.exit`; a SIGKILL leaves the file, and the next start takes it over.
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {
    heldHere.add(file);
    process.once('exit', this.onExit);
  }

  /** Takes the lock on `dataDir` (creating the folder 0700), or throws DataDirLockedError naming the holder. */
  static acquire(dataDir: string, opts: AcquireOptions = {}): DataDirLock {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, LOCK_FILE);
    const me: LockHolder = {
      pid: process.pid,
      host: os.hostname(),
      startedAt: new Date().toISOString(),
      ...(opts.command ? { command: opts.command } : {}),
      procStart: procStartOf(process.pid),
      bootId: bootId(),
      nonce: crypto.randomBytes(12).toString('hex'),
    };
    // Longer than UNWRITTEN_MS, so a lock file left empty by a crash is taken over rather than waited on forever.
    const deadline = Date.now() + UNWRITTEN_MS + 3_000;
    while (Date.now() < deadline) {
      if (tryCreate(file, me)) return new DataDirLock(file, me);
      const seen = readLock(file);
      if (seen === 'missing') continue;
      let why: string;
      if (seen === 'unreadable') {
        // Created a moment ago and not written yet: wait for its content. Older: its writer died before writing it.
        if (ageMs(file) < UNWRITTEN_MS) {
          sleep(50);
          continue;
        }
        why = 'the lock file was empty or damaged';
      } else {
        const verdict = judge(seen, file);
        if (verdict.alive) throw new DataDirLockedError(dataDir, seen, file, seen.host === me.host);
        why = verdict.why;
      }
      if (replaceStale(file, dataDir, seen) && tryCreate(file, me)) {
        opts.onTakeover?.(seen === 'unreadable' ? null : seen, why);
        return new DataDirLock(file, me);
      }
      // Another starter is replacing it, or won the race: look again.
      sleep(50);
    }
    throw new Error(`Could not take the lock ${file}: it kept changing (other processes starting on the same data folder?)`);
  }

  /** Removes the lock file if it is still this process's lock. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.file);
    process.off('exit', this.onExit);
    const seen = readLock(this.file);
    if (typeof seen === 'object' && seen.nonce === this.holder.nonce) fs.rmSync(this.file, { force: true });
  }
}

/**
 * The process on this host that holds the lock on `dataDir` and still runs (judged as acquire()
 * judges it); null when the folder is free, its lock is stale, or the holder is on another host.
 * `npm start` uses it to name a sidecar left by an earlier start.
 */
export function liveLocalHolder(dataDir: string): LockHolder | null {
  const file = path.join(dataDir, LOCK_FILE);
  let seen: ReturnType<typeof readLock>;
  try {
    seen = readLock(file);
  } catch {
    return null;
  }
  if (typeof seen !== 'object' || seen.host !== os.hostname()) return null;
  return judge(seen, file).alive ? seen : null;
}

/** The log line when the lock of a process that is gone is taken over. */
export function takeoverMessage(holder: LockHolder | null, why: string): string {
  const who = holder
    ? `${holder.command ? `${holder.command}, ` : ''}pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}`
    : 'unknown holder';
  return `data folder lock taken over from a process that is gone (${who}: ${why})`;
}

/** Whether the holder of a lock on this host still runs (a holder on another host always counts as running). */
function judge(holder: LockHolder, file: string): { alive: boolean; why: string } {
  if (holder.host !== os.hostname()) return { alive: true, why: 'on another host' };
  if (holder.pid === process.pid) {
    // This process holds it, or an earlier process with the same pid (a container's pid 1) left it.
    return heldHere.has(file)
      ? { alive: true, why: 'held by this process' }
      : { alive: false, why: `pid ${holder.pid} is this process now` };
  }
  if (!pidExists(holder.pid)) return { alive: false, why: `pid ${holder.pid} is not running` };
  const boot = bootId();
  if (holder.bootId && boot && holder.bootId !== boot) return { alive: false, why: 'the machine restarted since' };
  const start = procStartOf(holder.pid);
  if (holder.procStart && start && holder.procStart !== start) {
    return { alive: false, why: `pid ${holder.pid} now belongs to another process (it started later)` };
  }
  return { alive: true, why: 'running' };
}

function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock with O_EXCL; false when it exists. The content is written and synced before the close. */
function tryCreate(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(holder)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readLock(file: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.startedAt === 'string' && typeof v.nonce === 'string') {
      return v as LockHolder;
    }
  } catch {
    /* half written or damaged */
  }
  return 'unreadable';
}

/**
 * Removes a stale lock, under the takeover file so that two starters cannot both remove it (the
 * second would remove the first one's fresh lock). Removes it only if it is still the lock that
 * was judged. False when another starter is taking over right now.
 */
function replaceStale(file: string, dataDir: string, judged: LockHolder | 'unreadable'): boolean {
  const takeover = path.join(dataDir, TAKEOVER_FILE);
  let fd: number;
  try {
    fd = fs.openSync(takeover, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A takeover takes milliseconds: one older than this was left by a process killed during it.
    if (ageMs(takeover) > 10_000) fs.rmSync(takeover, { force: true });
    return false;
  }
  try {
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    const now = readLock(file);
    const same =
      judged === 'unreadable' ? now === 'unreadable' && ageMs(file) >= UNWRITTEN_MS : typeof now === 'object' && now.nonce === judged.nonce;
    if (same) fs.rmSync(file, { force: true });
    return same || now === 'missing';
  } finally {
    fs.rmSync(takeover, { force: true });
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Linux: a process's start time in clock ticks after boot; it tells a reused pid from the original. */
function procStartOf(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall; fields[0] is field 3
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
