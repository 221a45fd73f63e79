import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { OfflineKnobs, OfflineStats } from '../../src/offline';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/**
 * The offline model as its own process (`dynamic-workflows offline-model`, built to dist/), for
 * tests where several sidecars share one model "provider account": its stats count what all of
 * them sent, and its knobs change over HTTP.
 */
export class OfflineModelProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<OfflineModelProcess> {
    const child = spawn(process.execPath, ['--no-node-snapshot', MAIN, 'offline-model', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    process.once('exit', () => child.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`offline model exited (${code})`)));
    });
    return new OfflineModelProcess(child, url);
  }

  async stats(): Promise<OfflineStats> {
    return (await (await fetch(`${this.url}/_offline/stats`)).json()) as OfflineStats;
  }

  async setKnobs(knobs: Partial<OfflineKnobs>): Promise<void> {
    const r = await fetch(`${this.url}/_offline/knobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(knobs),
    });
    if (!r.ok) throw new Error(`knobs refused: ${r.status} ${await r.text()}`);
  }

  async reset(): Promise<void> {
    await fetch(`${this.url}/_offline/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
