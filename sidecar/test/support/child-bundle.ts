import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

/**
 * A TypeScript entry bundled into one CommonJS file (packages stay external, found through
 * NODE_PATH), so a test can run our sources in a child process without a build first.
 */
export function bundleChild(entry: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-child-'));
  const outfile = path.join(dir, `${path.basename(entry, '.ts')}.cjs`);
  // esbuild's command line, not buildSync: that one keeps a worker thread that holds Jest's worker open.
  const esbuild = path.join(path.dirname(require.resolve('esbuild/package.json')), 'bin', 'esbuild');
  const r = spawnSync(
    esbuild,
    [entry, '--bundle', '--platform=node', '--format=cjs', '--packages=external', '--log-level=error', `--outfile=${outfile}`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`esbuild failed (${r.status ?? r.signal}): ${r.stderr}`);
  return outfile;
}

/** A child process running a bundle, its stdout read as JSON lines. */
export class ChildLines {
  readonly lines: Record<string, unknown>[] = [];
  readonly child: ChildProcess;
  private stderr = '';

  constructor(bundle: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [bundle], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_PATH: path.join(ROOT, 'node_modules'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    process.once('exit', () => this.child.kill('SIGKILL'));
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }

  /** The first line that has `key` (and, when given, that value), waiting up to timeoutMs. */
  async line(key: string, value?: unknown, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => key in l && (value === undefined || l[key] === value));
      if (found) return found;
      if (this.child.exitCode !== null) throw new Error(`child exited (${this.child.exitCode}): ${this.stderr}`);
      if (Date.now() > end) throw new Error(`no "${key}" line within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }
}
