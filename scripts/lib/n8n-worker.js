'use strict';
// One `n8n worker` of an n8n in queue mode: it takes executions from the Bull queue on Redis
// and runs them (also the ones a callback resumes). Started by N8nInstance, which shares its
// user folder (community packages), database and encryption key with it.
const path = require('node:path');
const { ManagedProcess } = require('./child');
const { n8nEnv } = require('./n8n');
const { freePort, waitForHttp } = require('./net');

/** Printed by `n8n worker` once it takes jobs from the queue. */
const WORKER_READY_LINE = /n8n worker is now ready/;

/** @param {number} since @returns {number} seconds, one decimal */
const seconds = (since) => Math.round((Date.now() - since) / 100) / 10;

class N8nWorker {
  /**
   * @param {{ n8n: { bin: string }, userFolder: string, mainPort: number, env: Readonly<Record<string, string>>, name: string,
   *   logFile?: string, echo?: boolean, startTimeoutMs?: number, stopTimeoutMs?: number }} options
   *   `mainPort`: n8n main's port; the worker builds webhook and resume URLs ($execution.resumeUrl) on it.
   */
  constructor(options) {
    this.options = options;
    this.name = options.name;
    /** @type {ManagedProcess | null} */
    this.process = null;
    /** Port of the worker's health server (/healthz, /healthz/readiness). */
    this.healthPort = 0;
    /** @type {number} seconds the start took */
    this.startSeconds = 0;
  }

  /** @param {ConstructorParameters<typeof N8nWorker>[0]} options */
  static async start(options) {
    const worker = new N8nWorker(options);
    await worker.launch();
    return worker;
  }

  async launch() {
    const t = Date.now();
    // The worker's health server and its task broker default to the ports of n8n main
    // (5678, 5679): each worker gets free ones, so several n8n can run side by side (asked for
    // together, so the two are not the same port).
    const [healthPort, brokerPort] = await Promise.all([freePort(), freePort()]);
    this.healthPort = healthPort;
    const env = n8nEnv({
      userFolder: this.options.userFolder,
      port: this.options.mainPort,
      brokerPort,
      env: {
        // A worker logs the node events of what it runs to this file and, when it starts, marks
        // every execution that file shows unfinished as crashed, also the ones parked in a wait
        // (n8n 2.41.1 logs no end event for them on workers): a crashed execution never resumes.
        // So each worker process gets a file of its own, as a worker container with no volume has.
        N8N_EVENTBUS_LOGWRITER_LOGFULLPATH: path.join(this.options.userFolder, '.n8n', `n8nEventLog-${this.name}.log`),
        QUEUE_HEALTH_CHECK_ACTIVE: 'true',
        QUEUE_HEALTH_CHECK_PORT: String(healthPort),
        N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
        ...this.options.env,
      },
    });
    const proc = new ManagedProcess(this.name, process.execPath, [this.options.n8n.bin, 'worker'], {
      cwd: this.options.userFolder,
      env,
      logFile: this.options.logFile,
      echo: this.options.echo,
    });
    this.process = proc;
    const timeoutMs = this.options.startTimeoutMs ?? 180_000;
    try {
      // Readiness answers once the worker reaches its database and Redis.
      await waitForHttp(`http://127.0.0.1:${healthPort}/healthz/readiness`, { timeoutMs, alive: () => proc.running, what: this.name });
      await proc.waitForLine(WORKER_READY_LINE, { timeoutMs });
    } catch (err) {
      await proc.stop('SIGKILL').catch(() => undefined);
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.includes('\n') ? message : `${message}\n--- ${this.name} output ---\n${proc.logs(80)}`);
    }
    this.startSeconds = seconds(t);
  }

  get running() {
    return this.process?.running ?? false;
  }

  /**
   * Stops the worker and waits for the exit. SIGTERM lets it finish the executions it is
   * running (n8n waits up to QUEUE_WORKER_TIMEOUT); SIGKILL is a crash.
   * @param {NodeJS.Signals} [signal]
   */
  async stop(signal = 'SIGTERM') {
    const proc = this.process;
    if (!proc) return;
    await proc.stop(signal, this.options.stopTimeoutMs ?? 45_000);
  }

  /** Everything this worker printed. */
  logs() {
    return this.process?.logs() ?? '';
  }
}

module.exports = { N8nWorker, WORKER_READY_LINE };
