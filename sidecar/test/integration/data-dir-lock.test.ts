import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOfflineModelServer } from '../../src/offline';
import { LOCK_FILE, type LockHolder } from '../../src/store/data-dir-lock';
import { SidecarProcess, freePort } from '../support/sidecar-process';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** `serve` on `dataDir` as a bare process: resolves with how it ended and what it printed, or 'running' after `waitMs`. */
async function serveOnce(dataDir: string, env: Record<string, string>, waitMs: number) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--no-node-snapshot', MAIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DW_HOST: '127.0.0.1',
      DW_PORT: String(port),
      DW_TOKEN: 'test-token-0123456789abcdef',
      DW_DATA_DIR: dataDir,
      DW_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const t0 = Date.now();
  const code = await new Promise<number | null | 'running'>((resolve) => {
    const timer = setTimeout(() => resolve('running'), waitMs);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code === 'running') child.kill('SIGKILL');
  return { code, output, ms: Date.now() - t0, port };
}

const readLock = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockHolder;

/** Real processes on one data folder: only one sidecar may resume (and pay for) its runs. */
describe('one sidecar per data folder', () => {
  const model = createOfflineModelServer({ latencyMs: 200 });
  let env: Record<string, string>;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-lock-it-'));

  beforeAll(async () => {
    const { url } = await model.listen(0, '127.0.0.1');
    env = { DW_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'sk-test-not-a-real-key', ANTHROPIC_BASE_URL: url };
  });
  afterAll(async () => {
    await model.close();
  });

  test('a second serve is refused naming the holder; after a SIGKILL the next one takes over and resumes; a clean stop removes the lock', async () => {
    const first = new SidecarProcess(env, dataDir);
    await first.start();
    const script = `
      const out = [];
      for (let i = 0; i < 40; i++) out.push(await agent('lock item ' + i, { label: 'item ' + i }));
      return { answered: out.filter(Boolean).length };`;
    const started = await first.request<{ id: string }>('POST', '/v1/runs', { task: 'lock test', script });
    expect(started.status).toBe(201);
    const id = started.body.id;
    const doneCount = async (s: SidecarProcess) =>
      (await s.request<{ counts: { done: number } }>('GET', `/v1/runs/${id}`)).body.counts.done;
    const waitDone = async (s: SidecarProcess, n: number) => {
      const deadline = Date.now() + 30_000;
      while ((await doneCount(s)) < n) {
        if (Date.now() > deadline) throw new Error(`run did not reach ${n} done agents:\n${s.logs}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitDone(first, 3);
    const holder = readLock(dataDir);
    expect(holder).toMatchObject({ host: os.hostname(), command: 'serve' });

    // A second serve on the same folder: refused within seconds, the holder named, the first untouched.
    const second = await serveOnce(dataDir, env, 15_000);
    expect(second.code).not.toBe('running');
    expect(second.code).not.toBe(0);
    expect(second.ms).toBeLessThan(10_000);
    expect(second.output).toContain('data_dir_locked');
    expect(second.output).toContain(`pid ${holder.pid} on host ${holder.host}, since ${holder.startedAt}`);
    expect(second.output).toContain(dataDir);
    await expect(fetch(`http://127.0.0.1:${second.port}/healthz`)).rejects.toThrow();
    expect(readLock(dataDir).nonce).toBe(holder.nonce);
    const before = await doneCount(first);
    await waitDone(first, before + 2);

    // A crash leaves the lock; the next start takes it over, says so, and resumes the run.
    expect(await doneCount(first)).toBeLessThan(40);
    await first.kill('SIGKILL');
    expect(readLock(dataDir).nonce).toBe(holder.nonce);
    const next = new SidecarProcess(env, dataDir);
    await next.start();
    expect(next.logs).toContain(`data folder lock taken over from a process that is gone (serve, pid ${holder.pid}`);
    expect(readLock(dataDir).nonce).not.toBe(holder.nonce);
    const done = await next.waitForStatus(id, ['converged', 'failed', 'cancelled'], 60_000);
    expect(done).toMatchObject({ status: 'converged', result: { answered: 40 } });
    // One sidecar resumed it: every agent was paid for once, the one in flight at the kill at most twice.
    const calls = Object.values(model.stats().byPrompt);
    expect(calls).toHaveLength(40);
    expect(calls.filter((n) => n > 1).length).toBeLessThanOrEqual(1);
    expect(Math.max(...calls)).toBeLessThanOrEqual(2);

    // A clean stop removes the lock.
    await next.kill('SIGTERM');
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);
});
