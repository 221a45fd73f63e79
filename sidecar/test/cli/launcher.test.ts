import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCK_FILE, type LockHolder } from '../../src/store/data-dir-lock';
import { freePort } from '../support/sidecar-process';

const BIN = path.join(__dirname, '..', '..', 'bin', 'dynamic-workflows.js');

/** Whether a process is gone: no such pid, or a zombie nobody has reaped yet. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The flags a process's Node was started with (its command line before the launcher or the server). */
function nodeFlags(pid: number): string[] {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  return argv.slice(
    1,
    argv.findIndex((a) => a === BIN || a.endsWith(path.join('cli', 'main.js'))),
  );
}

/**
 * A data folder, a port and the environment of a launched sidecar: no NODE_OPTIONS (the test
 * runner's carries --no-node-snapshot), so the launcher must add the flags itself.
 */
async function launcherSetup(): Promise<{ dataDir: string; port: number; env: NodeJS.ProcessEnv }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-launcher-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DW_DEV: '1',
    DW_HOST: '127.0.0.1',
    DW_PORT: String(port),
    DW_DATA_DIR: dataDir,
    DW_LOG_LEVEL: 'warn',
  };
  return { dataDir, port, env };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms\n${logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const answers = async (url: string) => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
};

/**
 * The bin re-launches Node with --no-node-snapshot (isolated-vm needs it). SIGKILL to the pid the
 * user started must leave nothing behind: not a server holding the port, not a process.
 */
describe('dynamic-workflows launcher', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const c of started.splice(0)) if (c.pid && !gone(c.pid)) c.kill('SIGKILL');
  });

  // Where process.execve exists (Linux, macOS) the launcher becomes the server; elsewhere a child watches it.
  const preload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-launcher-')), 'no-execve.js');
  fs.writeFileSync(preload, 'process.execve = undefined;\n');

  test.each([
    ['replaced by the server (execve)', [] as string[]],
    ['with a child that watches it (no execve)', ['--require', preload]],
  ])(
    'SIGKILL to the launcher, %s, leaves no process and frees the port',
    async (_name, nodeArgs) => {
      const { dataDir, port, env } = await launcherSetup();
      const launcher = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      started.push(launcher);
      let output = '';
      launcher.stdout.on('data', (d: Buffer) => (output += d.toString()));
      launcher.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise((r) => launcher.once('exit', r));
      const logs = () => output;

      await until('the sidecar answers', () => answers(`http://127.0.0.1:${port}/healthz`), 30_000, logs);
      // The serving process is the one holding the data folder.
      const server = (JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as LockHolder).pid;
      if (nodeArgs.length === 0) expect(server).toBe(launcher.pid);
      else expect(server).not.toBe(launcher.pid);
      // It runs with the sidecar's Node flags.
      expect(nodeFlags(server)).toEqual(expect.arrayContaining(['--no-node-snapshot', '--max-semi-space-size=8']));

      launcher.kill('SIGKILL');
      await exited;
      await until('the port is free', async () => !(await answers(`http://127.0.0.1:${port}/healthz`)), 5_000, logs);
      await until(`the server (pid ${server}) is gone`, () => gone(server), 5_000, logs);
    },
    60_000,
  );

  it("keeps an operator's own young-generation size and adds only what is missing", async () => {
    const { port, env } = await launcherSetup();
    const launcher = spawn(process.execPath, ['--max-semi-space-size=16', BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(launcher);
    let output = '';
    launcher.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await until(
      'the sidecar answers',
      () => answers(`http://127.0.0.1:${port}/healthz`),
      30_000,
      () => output,
    );
    const flags = nodeFlags(launcher.pid!);
    expect(flags).toContain('--no-node-snapshot');
    expect(flags).toContain('--max-semi-space-size=16');
    expect(flags).not.toContain('--max-semi-space-size=8');
  }, 60_000);
});
