import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOfflineModelServer } from '../../src/offline';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** The real sidecar (`dynamic-workflows serve`, built to dist/) as a child process. */
export class SidecarProcess {
  readonly token = 'test-token-0123456789abcdef';
  readonly dataDir: string;
  port = 0;
  private child: ChildProcess | null = null;
  private model: ChildProcess | null = null;
  private modelUrl: string | null = null;
  private output = '';

  /**
   * `opts.externalModel`: the offline model runs as its own process (`dynamic-workflows
   * offline-model`) and the sidecar reaches it as the Anthropic API, as it would the real one.
   * Tests that measure the sidecar's own event loop use it, so the model server's work (parsing
   * and hashing requests of hundreds of KB) is not counted as the sidecar's.
   */
  constructor(
    private readonly env: Record<string, string> = {},
    dataDir?: string,
    private readonly opts: { externalModel?: boolean } = {},
  ) {
    this.dataDir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dw-sidecar-'));
  }

  private async startModel(): Promise<string> {
    if (this.modelUrl) return this.modelUrl;
    const model = spawn(process.execPath, ['--no-node-snapshot', MAIN, 'offline-model', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.model = model;
    process.once('exit', () => model.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      model.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
      });
      model.once('exit', (code) => reject(new Error(`offline model exited (${code})`)));
    });
    this.modelUrl = url;
    return url;
  }

  /** Stops the sidecar (SIGKILL) and the external model, if any. */
  async close(): Promise<void> {
    await this.kill();
    const model = this.model;
    if (model && model.exitCode === null && model.signalCode === null) {
      const exited = new Promise((r) => model.once('exit', r));
      model.kill('SIGKILL');
      await exited;
    }
    this.model = null;
    this.modelUrl = null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get logs(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
    if (!this.port) this.port = await freePort();
    const model = this.opts.externalModel
      ? { DW_PROVIDER: 'anthropic', ANTHROPIC_BASE_URL: await this.startModel(), ANTHROPIC_API_KEY: 'sk-ant-offline-test-key' }
      : {};
    const child = spawn(process.execPath, ['--no-node-snapshot', MAIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DW_HOST: '127.0.0.1',
        DW_PORT: String(this.port),
        DW_TOKEN: this.token,
        DW_DATA_DIR: this.dataDir,
        DW_LOG_LEVEL: 'warn',
        ...model,
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`sidecar exited (${child.exitCode}):\n${this.output}`);
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sidecar did not become healthy:\n${this.output}`);
  }

  /** SIGKILL: no shutdown hooks, as in a crash. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  request<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
    return requestJson<T>(this.url, this.token, method, route, body);
  }

  /**
   * One small run end to end (sandbox, one agent, journal, events), so the first-use costs of a
   * fresh process (module loading, JIT, schema compilation: 10–30 ms of event loop on this
   * machine) are paid before a test starts measuring what an attack does to the event loop.
   */
  async warmUp(): Promise<void> {
    const r = await this.request<{ id: string }>('POST', '/v1/runs', { task: 'warm up', script: "return await agent('warm up');" });
    if (r.status !== 201 && r.status !== 202) throw new Error(`warm-up run refused: ${r.status} ${JSON.stringify(r.body)}`);
    const done = await this.waitForStatus(r.body.id, ['converged', 'failed', 'cancelled']);
    if (done.status !== 'converged') throw new Error(`warm-up run ended ${String(done.status)}: ${JSON.stringify(done.error)}`);
  }

  async waitForStatus(id: string, statuses: string[], timeoutMs = 120_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.request<Record<string, unknown>>('GET', `/v1/runs/${id}`);
      if (r.status === 200 && statuses.includes(String(r.body.status))) return r.body;
      if (Date.now() > deadline) throw new Error(`run ${id} did not reach ${statuses.join('/')}: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

/** One API request with the bearer token: the status, and the body parsed as JSON (or its text). */
export async function requestJson<T = unknown>(
  url: string,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const r = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text body */
  }
  return { status: r.status, body: parsed as T };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Registers beforeAll/afterAll for a built sidecar whose model is an offline model server in the
 * test process: the server outlives the sidecar it serves (a SIGKILL, a restart) and counts every
 * call; the sidecar reaches it as an Anthropic-compatible ANTHROPIC_BASE_URL.
 */
export function useSidecarWithTestModel(knobs: Parameters<typeof createOfflineModelServer>[0]): {
  readonly model: ReturnType<typeof createOfflineModelServer>;
  readonly sidecar: SidecarProcess;
} {
  const model = createOfflineModelServer(knobs);
  let sidecar: SidecarProcess | null = null;
  beforeAll(async () => {
    const { url } = await model.listen(0, '127.0.0.1');
    sidecar = new SidecarProcess({ DW_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'sk-test-not-a-real-key', ANTHROPIC_BASE_URL: url });
    await sidecar.start();
  });
  afterAll(async () => {
    await sidecar?.kill();
    await model.close();
  });
  return {
    model,
    get sidecar(): SidecarProcess {
      if (!sidecar) throw new Error('the sidecar starts in beforeAll');
      return sidecar;
    },
  };
}
