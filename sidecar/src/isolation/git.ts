import { execFile } from 'node:child_process';
import { IsolationFailedError } from '../errors/errors';

/** A git command that has not finished after this long is killed. */
const GIT_TIMEOUT_MS = 120_000;

/**
 * Settings every git call gets: no hooks (a repository's hooks are code the sidecar would run),
 * no fsmonitor command, no signing prompt, and an identity for the commits of isolated agents
 * that does not depend on the host's git configuration. `safe.directory`: git runs only in
 * workspaces the operator made writable and in the sidecar's own copies, and a workspace mounted
 * from another user (a container's volume) must not make git refuse it as of "dubious ownership".
 */
const SAFE_CONFIG = [
  '-c',
  'safe.directory=*',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'user.name=dynamic-workflows',
  '-c',
  'user.email=dynamic-workflows@localhost',
];

/** Only what git needs from the environment: no API keys, and no GIT_DIR of a surrounding process. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
  for (const name of ['PATH', 'HOME', 'SYSTEMROOT', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

/** Runs git with `args` (after the safe settings); resolves its stdout, or fails with isolation_failed and git's message. */
export function git(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      { cwd, env: gitEnv(), timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT')
          return reject(new IsolationFailedError('git is not installed (or not on the PATH) for a repository workspace'));
        const detail = (stderr || err.message).trim().split('\n').slice(-3).join(' ');
        reject(new IsolationFailedError(`git ${args[0]} failed: ${detail.slice(0, 500)}`));
      },
    );
  });
}

/**
 * Runs one task at a time per key (a repository): `git worktree add`, `remove` and commits of
 * several agents on one repository would otherwise race for its lock files.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
