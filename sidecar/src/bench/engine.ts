import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOfflineModelServer, type OfflineModelServer } from '../offline';
import { boundaryCpuMsPerCall } from './boundary';
import { LAUNCHER, mb, ms, procCpuMs, rss, table } from './measure';

/**
 * `npm run bench`: the engine (the real sidecar process over HTTP) against a floor (the SDK
 * under p-limit(16) in its own process) and LangGraph.js (a `Send` fan-out under
 * maxConcurrency 16, its own process), all against the same offline model server. With
 * BENCH_CAPACITY=1 also the capacity row: 300 runs × 16 agents at once through one sidecar.
 */
const N = Number(process.env.BENCH_AGENTS ?? 1000);
const CONCURRENCY = 16;
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 200);
const GLOBAL_MAX_PARALLEL = 256;
const CAPACITY = process.env.BENCH_CAPACITY === '1';
const CAPACITY_RUNS = Number(process.env.BENCH_CAPACITY_RUNS ?? 300);
const CAPACITY_AGENTS = 16;
const CAPACITY_LATENCY = 3000;
const TOKEN = 'bench-token-0123456789abcdef';
const DIST = path.join(__dirname, '..');

interface Measure {
  makespanMs: number;
  cpuMs: number;
  peakRssMb: number;
}

/** A measure with what the model server saw meanwhile. */
interface Observed extends Measure {
  /** Most message requests in flight at once. */
  maxInFlight: number;
  /** Message requests the server received. */
  calls: number;
  /** From the first request's arrival to the last one's end, at the server. */
  modelSpanMs: number;
}

/** Runs `fn` against a freshly reset server and adds what the server saw. */
async function observed<M extends Measure>(server: OfflineModelServer, fn: () => Promise<M>): Promise<M & Observed> {
  server.reset();
  const m = await fn();
  const { requests } = server.observations();
  const first = Math.min(...requests.map((r) => r.arrivedMs));
  const last = Math.max(...requests.map((r) => r.endedMs ?? NaN));
  return {
    ...m,
    maxInFlight: requests.reduce((max, r) => Math.max(max, r.inFlight), 0),
    calls: requests.length,
    modelSpanMs: last - first,
  };
}

/** A peer in its own process (`floor.js`, `langgraph.js`): it prints one JSON line. Async on purpose: the model server shares this process's event loop. */
function peer(name: 'floor' | 'langgraph', baseURL: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(DIST, 'bench', `${name}.js`), baseURL, String(N), String(CONCURRENCY)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${name} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Measure);
    });
  });
}

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

interface RunView {
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  result: unknown;
}

const ENDED = ['converged', 'failed', 'cancelled'];

/** The real sidecar process on a fresh data folder, once `/healthz` answers. */
async function sidecar(baseURL: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop: () => void }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  // Started as users start it: the launcher adds the sidecar's Node flags (same pid).
  const child = spawn(process.execPath, [LAUNCHER, 'serve'], {
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
      DW_GLOBAL_MAX_PARALLEL: String(GLOBAL_MAX_PARALLEL),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = (): void => {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
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
  } catch (err) {
    stop();
    throw err;
  }
  return { url, child, stop };
}

function fanOut(n: number): string {
  return `const r = await parallel(Array.from({ length: ${n} }, (_, i) => () => agent('bench item ' + i))); return r.filter(Boolean).length;`;
}

async function ours(baseURL: string): Promise<Measure & { idleRssMb: number }> {
  const { url, child, stop } = await sidecar(baseURL, {});
  try {
    const idleRssMb = rss(child.pid!, 'VmRSS');
    const cpu0 = procCpuMs(child.pid!);
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ task: 'bench', script: fanOut(N) }) });
    const { id } = (await res.json()) as { id: string };
    let run: RunView;
    for (;;) {
      run = (await (await fetch(`${url}/v1/runs/${id}`, { headers })).json()) as RunView;
      if (ENDED.includes(run.status)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const wall = performance.now() - t0;
    if (run.status !== 'converged' || run.result !== N) throw new Error(`bench run ended ${run.status}: ${JSON.stringify(run.result)}`);
    const makespanMs = Math.min(wall, Date.parse(run.updatedAt) - Date.parse(run.createdAt));
    return { makespanMs, cpuMs: procCpuMs(child.pid!) - cpu0, peakRssMb: rss(child.pid!), idleRssMb };
  } finally {
    stop();
  }
}

interface Capacity extends Measure {
  idleRssMb: number;
}

/** CAPACITY_RUNS runs of CAPACITY_AGENTS agents each, all started at once, through one sidecar under the sidecar-wide cap. */
async function capacity(baseURL: string): Promise<Capacity> {
  const { url, child, stop } = await sidecar(baseURL, {
    DW_MAX_RUNS: String(CAPACITY_RUNS),
    // Admission budget for the script heaps (128 MB each by default), not memory in use: every run executes at once.
    DW_MAX_SANDBOX_MEMORY_MB: String(CAPACITY_RUNS * 128),
  });
  try {
    const idleRssMb = rss(child.pid!, 'VmRSS');
    const cpu0 = procCpuMs(child.pid!);
    const t0 = performance.now();
    const body = JSON.stringify({ task: 'bench', script: fanOut(CAPACITY_AGENTS) });
    const started = await Promise.all(
      Array.from({ length: CAPACITY_RUNS }, async () => {
        const res = await fetch(`${url}/v1/runs`, { method: 'POST', headers, body });
        if (res.status !== 201) throw new Error(`POST /v1/runs answered ${res.status}: ${await res.text()}`);
        return ((await res.json()) as RunView).id;
      }),
    );
    const ids = new Set(started);
    let runs: RunView[];
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const page = (await (await fetch(`${url}/v1/runs?limit=500`, { headers })).json()) as { runs: RunView[] };
      runs = page.runs.filter((r) => ids.has(r.id));
      if (runs.length === ids.size && runs.every((r) => ENDED.includes(r.status))) break;
    }
    const wall = performance.now() - t0;
    const bad = runs.filter((r) => r.status !== 'converged' || r.result !== CAPACITY_AGENTS);
    if (bad.length)
      throw new Error(`capacity: ${bad.length} runs did not converge with ${CAPACITY_AGENTS}, e.g. ${JSON.stringify(bad[0])}`);
    const span = Math.max(...runs.map((r) => Date.parse(r.updatedAt))) - Math.min(...runs.map((r) => Date.parse(r.createdAt)));
    return { makespanMs: Math.min(wall, span), cpuMs: procCpuMs(child.pid!) - cpu0, peakRssMb: rss(child.pid!), idleRssMb };
  } finally {
    stop();
  }
}

async function main(): Promise<void> {
  const server = createOfflineModelServer({ latencyMs: LATENCY });
  const { url } = await server.listen(0, '127.0.0.1');
  const ideal = Math.ceil(N / CONCURRENCY) * LATENCY;
  const f = await observed(server, () => peer('floor', url));
  const g = await observed(server, () => peer('langgraph', url));
  const o = await observed(server, () => ours(url));
  server.setKnobs({ latencyMs: 0 });
  const f0 = await observed(server, () => peer('floor', url));
  const g0 = await observed(server, () => peer('langgraph', url));
  const o0 = await observed(server, () => ours(url));
  let cap: (Capacity & Observed) | null = null;
  if (CAPACITY) {
    server.setKnobs({ latencyMs: CAPACITY_LATENCY });
    cap = await observed(server, () => capacity(url));
  }
  await server.close();
  const boundary = await boundaryCpuMsPerCall();
  for (const [name, m] of [
    ['ours', o],
    ['floor', f],
    ['langgraph', g],
  ] as const) {
    if (m.calls !== N) process.stderr.write(`note: ${name} made ${m.calls} model calls for ${N} agents\n`);
  }
  const cpu = (m: Measure): number => m.cpuMs / N;
  const peak = (a: Measure, b: Measure): number => Math.max(a.peakRssMb, b.peakRssMb);
  const rows = [
    ['', 'ours (sidecar)', 'floor (SDK + p-limit)', 'LangGraph.js (Send, maxConcurrency 16)'],
    [`makespan, ${N} agents, ${CONCURRENCY} at once, ${LATENCY} ms`, ms(o.makespanMs), ms(f.makespanMs), ms(g.makespanMs)],
    [
      `  ÷ ideal ceil(${N}/${CONCURRENCY}) × ${LATENCY} ms`,
      (o.makespanMs / ideal).toFixed(3),
      (f.makespanMs / ideal).toFixed(3),
      (g.makespanMs / ideal).toFixed(3),
    ],
    ['  ÷ floor (ours: goal ≤ 1.01)', (o.makespanMs / f.makespanMs).toFixed(3), '', (g.makespanMs / f.makespanMs).toFixed(3)],
    ['  most model calls in flight at once (server-side)', String(o.maxInFlight), String(f.maxInFlight), String(g.maxInFlight)],
    ['CPU ms per agent, zero latency', cpu(o0).toFixed(3), cpu(f0).toFixed(3), cpu(g0).toFixed(3)],
    ['  − floor (ours: goal ≤ 0.3 ms)', (cpu(o0) - cpu(f0)).toFixed(3), '', (cpu(g0) - cpu(f0)).toFixed(3)],
    [
      'agents per second, zero latency',
      (N / (o0.makespanMs / 1000)).toFixed(0),
      (N / (f0.makespanMs / 1000)).toFixed(0),
      (N / (g0.makespanMs / 1000)).toFixed(0),
    ],
    ['CPU ms per agent() at the sandbox boundary (2,000 calls, in-process host)', boundary.toFixed(3), '', ''],
    ['peak RSS (ours: goal ≤ floor + 30 MB)', mb(peak(o, o0)), mb(peak(f, f0)), mb(peak(g, g0))],
    ['  − floor', mb(peak(o, o0) - peak(f, f0)), '', mb(peak(g, g0) - peak(f, f0))],
    ['  RSS of the idle sidecar before its run', mb(Math.max(o.idleRssMb, o0.idleRssMb)), '', ''],
  ];
  process.stdout.write(`\nEngine benchmark (node ${process.version}, ${os.cpus().length} cores)\n\n`);
  process.stdout.write(table(rows));
  const capTitle = `capacity: ${CAPACITY_RUNS} runs × ${CAPACITY_AGENTS} agents at once, one sidecar, DW_GLOBAL_MAX_PARALLEL=${GLOBAL_MAX_PARALLEL}, ${CAPACITY_LATENCY / 1000} s latency`;
  if (!cap) {
    process.stdout.write(`\n${capTitle}: skipped (about a minute; set BENCH_CAPACITY=1 to run it)\n`);
    return;
  }
  const agents = CAPACITY_RUNS * CAPACITY_AGENTS;
  const capIdeal = Math.ceil(agents / GLOBAL_MAX_PARALLEL) * CAPACITY_LATENCY;
  process.stdout.write(`\n${capTitle}\n\n`);
  process.stdout.write(
    table([
      [
        'runs',
        'agents',
        'time',
        `÷ ideal ceil(${agents}/${GLOBAL_MAX_PARALLEL}) × ${CAPACITY_LATENCY / 1000} s`,
        'model calls: first to last',
        'most in flight',
        'peak RSS',
        'peak RSS per run',
        'idle RSS',
      ],
      [
        `${CAPACITY_RUNS} converged`,
        agents.toLocaleString('en-US'),
        ms(cap.makespanMs),
        (cap.makespanMs / capIdeal).toFixed(3),
        `${ms(cap.modelSpanMs)} (${(cap.modelSpanMs / capIdeal).toFixed(3)})`,
        String(cap.maxInFlight),
        mb(cap.peakRssMb),
        `${(cap.peakRssMb / CAPACITY_RUNS).toFixed(2)} MB`,
        mb(cap.idleRssMb),
      ],
    ]),
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
