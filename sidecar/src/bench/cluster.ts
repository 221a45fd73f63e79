import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createOfflineModelServer, type OfflineModelServer } from '../offline';
import { LAUNCHER, ms, procCpuMs, table } from './measure';

/**
 * `npm run bench:cluster`: queue mode against the embedded sidecar, on one offline model server.
 *
 * 1. One run of 1,000 agents (16 at once, 200 ms): the embedded sidecar (SQLite, one process)
 *    against queue mode (Postgres + Redis: one API process and one worker): makespan ratio and
 *    CPU ms per agent (every sidecar process of the mode summed).
 * 2. Throughput with 1, 2 and 3 workers behind one API process: enough runs to fill the cluster's
 *    cap (DW_GLOBAL_MAX_PARALLEL), agents per second against the ideal `cap / latency`.
 *
 * Postgres (BENCH_POSTGRES_URL, default the local server's `postgres` database, for CREATE
 * DATABASE) and Redis (BENCH_REDIS_URL) must be running; each measure uses a database and a key
 * prefix of its own, removed afterwards.
 */
const N = Number(process.env.BENCH_AGENTS ?? 1000);
const CONCURRENCY = 16;
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 200);
const CAP = Number(process.env.BENCH_CLUSTER_CAP ?? 48);
const SCALE_RUNS = Number(process.env.BENCH_CLUSTER_RUNS ?? 12);
const SCALE_AGENTS = Number(process.env.BENCH_CLUSTER_AGENTS ?? 100);
const WORKERS = [1, 2, 3];
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = 'bench-token-0123456789abcdef';
const ENDED = ['converged', 'failed', 'cancelled'];
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

interface RunView {
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  result: unknown;
}

interface Proc {
  readonly child: ChildProcess;
  readonly url: string;
}

interface Mode {
  readonly api: Proc;
  readonly all: Proc[];
  stop(): Promise<void>;
}

const cpuOf = (procs: readonly Proc[]): number => procs.reduce((sum, p) => sum + procCpuMs(p.child.pid!), 0);

async function start(role: 'api' | 'worker' | 'all' | null, env: Record<string, string>, dataDir: string): Promise<Proc> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  // Started as users start it: the launcher adds the sidecar's Node flags (same pid).
  const args = [LAUNCHER, 'serve', ...(role ? ['--role', role] : [])];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'bench',
      DW_TOKEN: TOKEN,
      DW_PORT: String(port),
      DW_DATA_DIR: dataDir,
      DW_LOG_LEVEL: 'warn',
      DW_MAX_PARALLEL: String(CONCURRENCY),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`serve ${role ?? ''} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 300) {
      child.kill('SIGKILL');
      throw new Error(`serve ${role ?? ''} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url };
}

async function stopAll(procs: readonly Proc[]): Promise<void> {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null) return resolve();
          p.child.once('exit', () => resolve());
          p.child.kill('SIGKILL');
        }),
    ),
  );
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The embedded sidecar: SQLite in a fresh data folder, one process. */
async function embedded(baseURL: string, env: Record<string, string> = {}): Promise<Mode> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-'));
  const api = await start(null, { ANTHROPIC_BASE_URL: baseURL, ...env }, dataDir);
  return {
    api,
    all: [api],
    async stop() {
      await stopAll([api]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Queue mode: a database and a key prefix of its own, one API process and `workers` workers. */
async function queueMode(baseURL: string, workers: number, env: Record<string, string> = {}): Promise<Mode> {
  const name = `dw_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const db = new URL(ADMIN_URL);
  db.pathname = `/${name}`;
  const prefix = `dwbench:${crypto.randomBytes(4).toString('hex')}:`;
  const shared = { ANTHROPIC_BASE_URL: baseURL, DW_DATABASE_URL: db.toString(), DW_REDIS_URL: REDIS_URL, DW_REDIS_PREFIX: prefix, ...env };
  const dirs: string[] = [];
  const dir = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-'));
    dirs.push(d);
    return d;
  };
  const procs: Proc[] = [];
  const cleanup = async (): Promise<void> => {
    await stopAll(procs);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    const redis = new Redis(REDIS_URL);
    try {
      for (let cursor = '0'; ;) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        if (next === '0') break;
        cursor = next;
      }
    } finally {
      redis.disconnect();
    }
  };
  try {
    // The API process first: it creates the schema; the workers then find it migrated.
    const api = await start('api', shared, dir());
    procs.push(api);
    procs.push(...(await Promise.all(Array.from({ length: workers }, () => start('worker', shared, dir())))));
    return { api, all: procs, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function fanOut(n: number): string {
  return `const r = await parallel(Array.from({ length: ${n} }, (_, i) => () => agent('bench item ' + i))); return r.filter(Boolean).length;`;
}

/** Starts `runs` runs of `agents` agents at once and waits for all; the span from the first start to the last end. */
async function runAll(mode: Mode, runs: number, agents: number): Promise<{ makespanMs: number; cpuMs: number }> {
  const cpu0 = cpuOf(mode.all);
  const t0 = performance.now();
  const body = JSON.stringify({ task: 'bench', script: fanOut(agents) });
  const ids = await Promise.all(
    Array.from({ length: runs }, async () => {
      const res = await fetch(`${mode.api.url}/v1/runs`, { method: 'POST', headers, body });
      if (res.status !== 201) throw new Error(`POST /v1/runs answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as RunView).id;
    }),
  );
  const ended = new Map<string, RunView>();
  while (ended.size < ids.length) {
    await new Promise((r) => setTimeout(r, 20));
    for (const id of ids) {
      if (ended.has(id)) continue;
      const run = (await (await fetch(`${mode.api.url}/v1/runs/${id}`, { headers })).json()) as RunView;
      if (ENDED.includes(run.status)) ended.set(id, run);
    }
  }
  const wall = performance.now() - t0;
  const all = [...ended.values()];
  const bad = all.filter((r) => r.status !== 'converged' || r.result !== agents);
  if (bad.length) throw new Error(`${bad.length} runs did not converge with ${agents}, e.g. ${JSON.stringify(bad[0])}`);
  const span = Math.max(...all.map((r) => Date.parse(r.updatedAt))) - Math.min(...all.map((r) => Date.parse(r.createdAt)));
  return { makespanMs: Math.min(wall, span), cpuMs: cpuOf(mode.all) - cpu0 };
}

async function measure(
  server: OfflineModelServer,
  open: () => Promise<Mode>,
  runs: number,
  agents: number,
): Promise<{ makespanMs: number; cpuMs: number; calls: number; maxInFlight: number }> {
  const mode = await open();
  try {
    server.reset();
    const m = await runAll(mode, runs, agents);
    const { requests } = server.observations();
    return { ...m, calls: requests.length, maxInFlight: requests.reduce((max, r) => Math.max(max, r.inFlight), 0) };
  } finally {
    await mode.stop();
  }
}

async function main(): Promise<void> {
  const server = createOfflineModelServer({ latencyMs: LATENCY });
  const { url } = await server.listen(0, '127.0.0.1');
  try {
    const sqlite = await measure(server, () => embedded(url), 1, N);
    const queue = await measure(server, () => queueMode(url, 1), 1, N);
    server.setKnobs({ latencyMs: 0 });
    const sqlite0 = await measure(server, () => embedded(url), 1, N);
    const queue0 = await measure(server, () => queueMode(url, 1), 1, N);
    server.setKnobs({ latencyMs: LATENCY });
    const scaling = [];
    for (const workers of WORKERS) {
      const m = await measure(
        server,
        () => queueMode(url, workers, { DW_GLOBAL_MAX_PARALLEL: String(CAP), DW_MAX_RUNS: String(SCALE_RUNS) }),
        SCALE_RUNS,
        SCALE_AGENTS,
      );
      scaling.push({ workers, ...m });
    }
    const ideal = Math.ceil(N / CONCURRENCY) * LATENCY;
    process.stdout.write(`\nCluster benchmark (node ${process.version}, ${os.cpus().length} cores)\n\n`);
    process.stdout.write(
      table([
        ['', 'embedded (SQLite, 1 process)', 'queue mode (Postgres + Redis, 1 API + 1 worker)'],
        [`makespan, ${N} agents, ${CONCURRENCY} at once, ${LATENCY} ms`, ms(sqlite.makespanMs), ms(queue.makespanMs)],
        [
          `  ÷ ideal ceil(${N}/${CONCURRENCY}) × ${LATENCY} ms`,
          (sqlite.makespanMs / ideal).toFixed(3),
          (queue.makespanMs / ideal).toFixed(3),
        ],
        ['  queue mode ÷ embedded (goal ≤ 1.05)', '', (queue.makespanMs / sqlite.makespanMs).toFixed(3)],
        ['  model calls', String(sqlite.calls), String(queue.calls)],
        ['CPU ms per agent, zero latency (all processes of the mode)', (sqlite0.cpuMs / N).toFixed(3), (queue0.cpuMs / N).toFixed(3)],
        ['agents per second, zero latency', (N / (sqlite0.makespanMs / 1000)).toFixed(0), (N / (queue0.makespanMs / 1000)).toFixed(0)],
      ]),
    );
    const idealRate = CAP / (LATENCY / 1000);
    process.stdout.write(
      `\nscaling: ${SCALE_RUNS} runs × ${SCALE_AGENTS} agents, DW_GLOBAL_MAX_PARALLEL=${CAP}, ${LATENCY} ms latency, 1 API process; ideal ${idealRate.toFixed(0)} agents/s (cap ÷ latency)\n\n`,
    );
    process.stdout.write(
      table([
        [
          'workers',
          'time',
          'agents per second',
          '÷ ideal',
          'most model calls in flight',
          'model calls',
          'CPU ms per agent (all processes)',
        ],
        ...scaling.map((s) => {
          const rate = (SCALE_RUNS * SCALE_AGENTS) / (s.makespanMs / 1000);
          return [
            String(s.workers),
            ms(s.makespanMs),
            rate.toFixed(0),
            (rate / idealRate).toFixed(3),
            String(s.maxInFlight),
            String(s.calls),
            (s.cpuMs / (SCALE_RUNS * SCALE_AGENTS)).toFixed(3),
          ];
        }),
      ]),
    );
  } finally {
    await server.close();
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
