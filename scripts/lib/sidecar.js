'use strict';
// The real sidecar (`dynamic-workflows serve`, built into sidecar/dist) as a child process.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ManagedProcess } = require('./child');
const { freePort, waitForHttp } = require('./net');
const { ROOT, toolEnv } = require('./package');

const { NODE_FLAGS } = require('../../sidecar/bin/node-flags');

/** The sidecar's command line; DW_SIDECAR_MAIN runs another build of it (one installed elsewhere). */
const MAIN = process.env.DW_SIDECAR_MAIN ? path.resolve(process.env.DW_SIDECAR_MAIN) : path.join(ROOT, 'sidecar', 'dist', 'cli', 'main.js');

/** A token good for DW_TOKEN (the sidecar wants at least 16 characters). */
function generateToken() {
  return crypto.randomBytes(24).toString('base64url');
}

class SidecarProcess {
  /**
   * @param {{ dataDir: string, token: string, port?: number, provider?: string, env?: Readonly<Record<string, string>>,
   *   logFile?: string, echo?: boolean, startTimeoutMs?: number }} options
   * @param {number} port
   */
  constructor(options, port) {
    this.options = options;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.token = options.token;
    this.dataDir = options.dataDir;
    /** @type {ManagedProcess | null} */
    this.process = null;
    this.pastLogs = '';
    /** @type {number} seconds the last start took */
    this.startSeconds = 0;
  }

  /** @param {ConstructorParameters<typeof SidecarProcess>[0]} options */
  static async start(options) {
    if (!fs.existsSync(MAIN)) {
      throw new Error(`${path.relative(ROOT, MAIN)} is missing: build the sidecar first (npm run build -w sidecar)`);
    }
    fs.mkdirSync(options.dataDir, { recursive: true });
    const sidecar = new SidecarProcess(options, options.port ?? (await freePort()));
    await sidecar.launch();
    return sidecar;
  }

  async launch() {
    const t = Date.now();
    const env = toolEnv({
      DW_HOST: '127.0.0.1',
      DW_PORT: String(this.port),
      DW_TOKEN: this.token,
      DW_DATA_DIR: this.dataDir,
      ...(this.options.provider ? { DW_PROVIDER: this.options.provider } : {}),
      ...this.options.env,
    });
    for (const name of Object.keys(env)) if (name.startsWith('JEST_')) delete env[name];
    const proc = new ManagedProcess('sidecar', process.execPath, [...NODE_FLAGS, MAIN, 'serve'], {
      cwd: this.dataDir,
      env,
      logFile: this.options.logFile,
      echo: this.options.echo,
    });
    this.process = proc;
    try {
      await waitForHttp(`${this.url}/healthz`, {
        timeoutMs: this.options.startTimeoutMs ?? 60_000,
        alive: () => proc.running,
        what: 'sidecar',
      });
    } catch (err) {
      await proc.stop('SIGKILL').catch(() => undefined);
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${proc.logs(80)}`);
    }
    this.startSeconds = Math.round((Date.now() - t) / 100) / 10;
  }

  /**
   * Sends `signal` and waits for the exit: SIGTERM is a clean stop (runs pause at a safe
   * point), SIGKILL a crash (runs resume from the journal on the next start).
   * @param {NodeJS.Signals} [signal]
   */
  async kill(signal = 'SIGTERM') {
    const proc = this.process;
    if (!proc) return;
    await proc.stop(signal, 20_000);
    this.pastLogs += `${proc.logs()}\n--- sidecar stopped (${proc.exitCode ?? proc.exitSignal}) ---\n`;
    this.process = null;
  }

  async stop() {
    await this.kill('SIGTERM');
  }

  /** Stops (with `signal`) and starts again on the same port and data folder. @param {NodeJS.Signals} [signal] */
  async restart(signal = 'SIGTERM') {
    await this.kill(signal);
    await this.launch();
  }

  logs() {
    return `${this.pastLogs}${this.process?.logs() ?? ''}`;
  }

  /**
   * One call to the sidecar's HTTP API with the token.
   * @param {string} method
   * @param {string} urlPath e.g. /v1/runs
   * @param {unknown} [body]
   * @returns {Promise<{ status: number, body: any }>}
   */
  async api(method, urlPath, body) {
    const res = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (the script route answers JavaScript).
    }
    return { status: res.status, body: parsed };
  }
}

/** @param {ConstructorParameters<typeof SidecarProcess>[0]} options */
const startSidecar = (options) => SidecarProcess.start(options);

module.exports = { SidecarProcess, startSidecar, generateToken, SIDECAR_MAIN: MAIN };
