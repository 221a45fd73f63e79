import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { freePort } from '../../scripts/lib';
import { Progress, portHolder } from '../../scripts/lib/preflight';

const ROOT = path.join(__dirname, '..', '..');
const START = path.join(ROOT, 'scripts', 'start.js');

/** A process that only listens on `port` (as a forgotten server would). */
async function listener(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener exited (${code})`)));
  });
  return child;
}

/** `node scripts/start.js` with these variables; resolves with its exit code, output and duration (killed after 20 s). */
async function start(env: Record<string, string>) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [START], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output, ms: Date.now() - t0 };
}

describe('npm start checks before it starts anything', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  test('a taken n8n port: exits non-zero within seconds naming the port and the process that holds it', async () => {
    const n8nPort = await freePort();
    const holder = await listener(n8nPort);
    children.push(holder);
    expect(portHolder(n8nPort)).toMatchObject({ pid: holder.pid, command: expect.stringContaining('createServer') });

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-start-'));
    const r = await start({ N8N_PORT: String(n8nPort), DW_PORT: String(await freePort()), DW_DATA_DIR: dataDir });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.ms).toBeLessThan(10_000);
    expect(r.output).toContain(`Port ${n8nPort} (N8N_PORT, for n8n) is taken by pid ${holder.pid}`);
    expect(r.output).toContain('createServer');
    // Nothing slow or lasting was started: no sidecar, no n8n.
    expect(r.output).not.toContain('Starting the sidecar');
    expect(fs.readdirSync(dataDir)).toEqual([]);
  }, 30_000);

  test('a sidecar from an earlier start still holding the data folder is named', async () => {
    // A live process on this host holds the data folder's lock, as `dynamic-workflows serve` does.
    const holder = await listener(await freePort());
    children.push(holder);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-start-'));
    fs.writeFileSync(
      path.join(dataDir, 'sidecar.lock'),
      JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: '2026-01-02T03:04:05.000Z', command: 'serve', nonce: 'x' }),
    );
    const r = await start({ N8N_PORT: String(await freePort()), DW_PORT: String(await freePort()), DW_DATA_DIR: dataDir });
    expect(r.code).not.toBe(0);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.output).toContain(`A sidecar from an earlier start still runs on ${dataDir}: pid ${holder.pid}`);
    expect(r.output).toContain('since 2026-01-02T03:04:05.000Z');
  }, 30_000);
});

describe('npm start progress', () => {
  function sink(isTTY: boolean) {
    let text = '';
    const out = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          text += chunk.toString();
          cb();
        },
      }),
      { isTTY, columns: 120 },
    );
    return { out, text: () => text };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('without a terminal: a line when a task starts, when it ends (with its time), and a reminder while it runs', async () => {
    const { out, text } = sink(false);
    const p = new Progress(out, { quietMs: 50 });
    await p.task('installing n8n', 'n8n ready', () => sleep(1_300));
    const lines = text().trimEnd().split('\n');
    expect(lines[0]).toBe('… installing n8n');
    expect(lines.some((l) => /^… still installing n8n \d+\.\d s/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^✓ n8n ready \(\d+\.\d s\)$/);
    expect(text()).not.toContain('\r');
  });

  test('on a terminal: one status line redrawn in place with the elapsed time, then the result', async () => {
    const { out, text } = sink(true);
    const p = new Progress(out);
    await Promise.all([
      p.task('installing n8n', 'n8n ready', () => sleep(1_200)),
      p.task('starting the sidecar', 'sidecar up', () => sleep(800)),
    ]);
    const ERASE = '\r\u001b[K'; // back to the line's start, clear it
    expect(text()).toContain(`${ERASE}[`);
    expect(
      text()
        .split(ERASE)
        .some((l) => /^\[\d+\.\d s\] installing n8n \d+\.\d s · starting the sidecar \d+\.\d s$/.test(l)),
    ).toBe(true);
    expect(text()).toMatch(/✓ sidecar up \(\d+\.\d s\)\n/);
    expect(text()).toMatch(/✓ n8n ready \(\d+\.\d s\)\n$/);
    await expect(p.task('failing', 'never', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(text()).toMatch(/✗ failing failed after \d+\.\d s\n$/);
  });
});
