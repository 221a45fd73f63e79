import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, requestJson } from './sidecar-process';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

export type ServeRole = 'api' | 'worker' | 'all';

/** A run record as the tests read it. */
export interface RunBody {
  id: string;
  status: string;
  paused?: boolean;
  counts: { queued: number; active: number; done: number; failed: number; total: number };
  result: unknown;
  error: unknown;
}

export const ENDED = ['converged', 'failed', 'cancelled'];

/**
 * One process of a queue-mode cluster (`dynamic-workflows serve --role …`, built to dist/),
 * with a data folder of its own. It is spawned as the leader of its own process group
 * (`detached`), so `kill()` reaches the whole group, as an orchestrator's SIGKILL of a container does.
 */
export class ClusterProcess {
  readonly token = 'test-token-0123456789abcdef';
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-cluster-'));
  port = 0;
  private child: ChildProcess | null = null;
  private output = '';

  constructor(
    readonly role: ServeRole,
    private readonly env: Record<string, string>,
    readonly name: string = role,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get logs(): string {
    return this.output;
  }
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build -w sidecar\` first`);
    if (!this.port) this.port = await freePort();
    const child = spawn(process.execPath, ['--no-node-snapshot', MAIN, 'serve', '--role', this.role], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DW_HOST: '127.0.0.1',
        DW_PORT: String(this.port),
        DW_TOKEN: this.token,
        DW_DATA_DIR: this.dataDir,
        DW_LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const pid = child.pid;
    if (pid) {
      groups.add(pid);
      child.once('exit', () => groups.delete(pid));
    }
    const collect = (d: Buffer): void => {
      this.output += d.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited (${child.exitCode}):\n${this.output}`);
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.name} did not become healthy:\n${this.output}`);
  }

  /** Signals the process group (SIGKILL by default: no shutdown hooks, as in a crash) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !child.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    killGroup(child.pid, signal);
    await exited;
    this.child = null;
  }

  /** A worker's health: how many runs it executes now. */
  async executing(): Promise<number> {
    const r = await fetch(`${this.url}/healthz`);
    return ((await r.json()) as { executing?: number }).executing ?? 0;
  }

  request<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
    return requestJson<T>(this.url, this.token, method, route, body);
  }

  async run(id: string): Promise<RunBody> {
    const r = await this.request<RunBody>('GET', `/v1/runs/${id}`);
    if (r.status !== 200) throw new Error(`GET /v1/runs/${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async startRun(body: unknown): Promise<string> {
    const r = await this.request<RunBody>('POST', '/v1/runs', body);
    if (r.status !== 201) throw new Error(`POST /v1/runs: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  /** Polls GET /v1/runs/:id until `check` holds. */
  async waitFor(id: string, check: (run: RunBody) => boolean, timeoutMs = 120_000, everyMs = 100): Promise<RunBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.run(id);
      if (check(run)) return run;
      if (Date.now() > deadline) throw new Error(`run ${id}: condition not met in ${timeoutMs} ms: ${JSON.stringify(run)}`);
      await new Promise((res) => setTimeout(res, everyMs));
    }
  }

  waitForEnd(id: string, timeoutMs = 120_000): Promise<RunBody> {
    return this.waitFor(id, (r) => ENDED.includes(r.status), timeoutMs, 200);
  }

  /** Kills the process and removes its data folder. */
  async dispose(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Process groups started here: a test process that dies does not leave them behind. */
const groups = new Set<number>();
process.once('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* gone already */
  }
}

/** One Server-Sent Event as a client parses it. */
export interface SseEvent {
  id: number;
  type: string;
  data: { id: number; runId: string; event: { type: string; status?: string } };
}

/**
 * Reads `GET /v1/runs/:id/events` (with `Last-Event-ID` when given) until `until` says stop
 * for an event (that event included), then closes the connection.
 */
export async function readEvents(
  proc: ClusterProcess,
  runId: string,
  until: (e: SseEvent, all: SseEvent[]) => boolean,
  opts: { lastEventId?: number; timeoutMs?: number } = {},
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('event stream timed out')), opts.timeoutMs ?? 120_000);
  const out: SseEvent[] = [];
  try {
    const r = await fetch(`${proc.url}/v1/runs/${runId}/events`, {
      headers: {
        authorization: `Bearer ${proc.token}`,
        ...(opts.lastEventId !== undefined ? { 'last-event-id': String(opts.lastEventId) } : {}),
      },
      signal: controller.signal,
    });
    if (r.status !== 200 || !r.body) throw new Error(`event stream: ${r.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const i = line.indexOf(':');
          if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1).replace(/^ /, ''));
        }
        if (!fields.has('id')) continue;
        const e: SseEvent = {
          id: Number(fields.get('id')),
          type: fields.get('event') ?? '',
          data: JSON.parse(fields.get('data') ?? 'null') as SseEvent['data'],
        };
        out.push(e);
        if (until(e, out)) return out;
      }
    }
    throw new Error(`event stream ended after ${out.length} events`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** A fan-out of `n` agents whose prompts name the run (`args.run`), returning every answer. */
export const fanOutScript = (n: number): string =>
  `const r = await parallel(Array.from({ length: ${n} }, (_, i) => () => agent('run ' + args.run + ' item ' + i)));
   return { answered: r.filter(Boolean).length, answers: r };`;
