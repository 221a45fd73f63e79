import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOfflineModelServer } from '../offline';
import { boundaryCpuMsPerCall } from './boundary';

/**
 * `npm run bench`: the engine (the real sidecar process over HTTP) against a floor (the SDK
 * under p-limit(16) in its own process), both against the same offline model server.
 */
const N = Number(process.env.BENCH_AGENTS ?? 1000);
const CONCURRENCY = 16;
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 200);
const TOKEN = 'bench-token-0123456789abcdef';
const DIST = path.join(__dirname, '..');

interface Measure {
  makespanMs: number;
  cpuMs: number;
  peakRssMb: number;
}

/** Async on purpose: the model server shares this process's event loop. */
function floor(baseURL: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(DIST, 'bench', 'floor.js'), baseURL, String(N), String(CONCURRENCY)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`floor exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Measure);
    });
  });
}

function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return (ticks * 1000) / 100;
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function ours(baseURL: string): Promise<Measure> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, ['--no-node-snapshot', path.join(DIST, 'cli', 'main.js'), 'serve'], {
    env: {
      ...process.env,
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'bench',
      ANTHROPIC_BASE_URL: baseURL,
      DW_TOKEN: TOKEN,
      DW_PORT: String(port),
      DW_DATA_DIR: dataDir,
      DW_LOG_LEVEL: 'warn',
      DW_MAX_PARALLEL: String(CONCURRENCY),
      DW_GLOBAL_MAX_PARALLEL: '256',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        /* starting */
      }
      if (i > 300) throw new Error('sidecar did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu0 = procCpuMs(child.pid!);
    const script = `const r = await parallel(Array.from({ length: ${N} }, (_, i) => () => agent('bench item ' + i))); return r.filter(Boolean).length;`;
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ task: 'bench', script }) });
    const { id } = (await res.json()) as { id: string };
    let run: { status: string; createdAt: string; updatedAt: string; result: unknown };
    for (;;) {
      run = (await (await fetch(`${url}/v1/runs/${id}`, { headers })).json()) as typeof run;
      if (['converged', 'failed', 'cancelled'].includes(run.status)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const wall = performance.now() - t0;
    if (run.status !== 'converged' || run.result !== N) throw new Error(`bench run ended ${run.status}: ${JSON.stringify(run.result)}`);
    const makespanMs = Math.min(wall, Date.parse(run.updatedAt) - Date.parse(run.createdAt));
    return { makespanMs, cpuMs: procCpuMs(child.pid!) - cpu0, peakRssMb: peakRss(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const server = createOfflineModelServer({ latencyMs: LATENCY });
  const { url } = await server.listen(0, '127.0.0.1');
  const ideal = Math.ceil(N / CONCURRENCY) * LATENCY;
  const f = await floor(url);
  const o = await ours(url);
  server.setKnobs({ latencyMs: 0 });
  const f0 = await floor(url);
  const o0 = await ours(url);
  await server.close();
  const boundary = await boundaryCpuMsPerCall();
  const rows = [
    ['', 'ours (sidecar)', 'floor (SDK + p-limit)'],
    [`makespan, ${N} agents, ${CONCURRENCY} at once, ${LATENCY} ms`, `${o.makespanMs.toFixed(0)} ms`, `${f.makespanMs.toFixed(0)} ms`],
    ['  ÷ ideal ceil(N/16)·latency', (o.makespanMs / ideal).toFixed(3), (f.makespanMs / ideal).toFixed(3)],
    ['  ours ÷ floor (goal ≤ 1.01)', (o.makespanMs / f.makespanMs).toFixed(3), ''],
    ['CPU ms per agent, zero latency', (o0.cpuMs / N).toFixed(3), (f0.cpuMs / N).toFixed(3)],
    ['  ours − floor (goal ≤ 0.5 ms)', (o0.cpuMs / N - f0.cpuMs / N).toFixed(3), ''],
    ['agents per second, zero latency', (N / (o0.makespanMs / 1000)).toFixed(0), (N / (f0.makespanMs / 1000)).toFixed(0)],
    ['CPU ms per agent() at the sandbox boundary (2,000 calls, in-process host)', boundary.toFixed(3), ''],
    [
      'peak RSS (goal ≤ 250 MB)',
      `${Math.max(o.peakRssMb, o0.peakRssMb).toFixed(0)} MB`,
      `${Math.max(f.peakRssMb, f0.peakRssMb).toFixed(0)} MB`,
    ],
  ];
  process.stdout.write(`\nEngine benchmark (node ${process.version}, ${os.cpus().length} cores)\n\n`);
  process.stdout.write(`| ${rows[0].join(' | ')} |\n|---|---|---|\n`);
  for (const r of rows.slice(1)) process.stdout.write(`| ${r.join(' | ')} |\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
