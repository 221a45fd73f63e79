import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError } from '../../src/errors/errors';
import { DataDirLock, LOCK_FILE, type LockHolder } from '../../src/store/data-dir-lock';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dw-lock-'));
}

function writeLock(dir: string, holder: Partial<LockHolder>): void {
  const full = { pid: 1, host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z', nonce: 'n', ...holder };
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(full));
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

function refusal(fn: () => unknown): DataDirLockedError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataDirLockedError);
    return err as DataDirLockedError;
  }
  throw new Error('expected a DataDirLockedError');
}

describe('the data folder lock', () => {
  test('is a file naming this process, removed on release; a second acquire is refused meanwhile', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir, { command: 'serve' });
    const held = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockHolder;
    expect(held).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'serve' });
    expect(fs.statSync(path.join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);

    const err = refusal(() => DataDirLock.acquire(dir));
    expect(err.code).toBe('data_dir_locked');
    expect(err.message).toContain(dir);
    expect(err.message).toContain(`pid ${process.pid} on host ${os.hostname()}`);
    expect(err.message).toContain(held.startedAt);

    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    lock.release(); // idempotent
    DataDirLock.acquire(dir).release();
  });

  test('creates the data folder when missing', () => {
    const dir = path.join(tempDir(), 'a', 'b');
    DataDirLock.acquire(dir).release();
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  test('refuses while a live process on this host holds it', () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.ppid, startedAt: '2024-05-01T10:00:00.000Z' });
    const err = refusal(() => DataDirLock.acquire(dir));
    expect(err.message).toContain(`pid ${process.ppid} on host ${os.hostname()}, since 2024-05-01T10:00:00.000Z`);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
  });

  test('counts a holder on another host as alive (it cannot be checked) and says how to clear it', () => {
    const dir = tempDir();
    writeLock(dir, { pid: deadPid(), host: 'elsewhere.example' });
    const err = refusal(() => DataDirLock.acquire(dir));
    expect(err.message).toContain('on host elsewhere.example');
    expect(err.message).toContain('another host');
    expect(err.message).toContain(path.join(dir, LOCK_FILE));
  });

  test('takes over the lock of a process that is gone, and says so', () => {
    const dir = tempDir();
    const pid = deadPid();
    writeLock(dir, { pid, nonce: 'old' });
    const seen: string[] = [];
    const lock = DataDirLock.acquire(dir, { onTakeover: (holder, why) => seen.push(`${holder?.pid}: ${why}`) });
    expect(seen).toEqual([`${pid}: pid ${pid} is not running`]);
    expect(lock.holder.pid).toBe(process.pid);
    lock.release();
  });

  test('takes over a lock left by an earlier process with this pid (a container restarted)', () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.pid, nonce: 'old' });
    const seen: string[] = [];
    DataDirLock.acquire(dir, { onTakeover: (_h, why) => seen.push(why) }).release();
    expect(seen).toEqual([`pid ${process.pid} is this process now`]);
  });

  (fs.existsSync('/proc/self/stat') ? test : test.skip)('takes over when the pid now belongs to a process that started later', () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.ppid, procStart: '1', nonce: 'old' });
    const seen: string[] = [];
    DataDirLock.acquire(dir, { onTakeover: (_h, why) => seen.push(why) }).release();
    expect(seen).toEqual([`pid ${process.ppid} now belongs to another process (it started later)`]);
  });

  test('takes over an empty lock file once it is old enough to have been left by a crash', () => {
    const dir = tempDir();
    const file = path.join(dir, LOCK_FILE);
    fs.writeFileSync(file, '');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const seen: (LockHolder | null)[] = [];
    DataDirLock.acquire(dir, { onTakeover: (h) => seen.push(h) }).release();
    expect(seen).toEqual([null]);
  });

  test('a release leaves alone a lock that another process took over', () => {
    const dir = tempDir();
    const lock = DataDirLock.acquire(dir);
    writeLock(dir, { pid: process.ppid, nonce: 'someone-else' });
    lock.release();
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ nonce: 'someone-else' });
  });
});
