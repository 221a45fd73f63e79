'use strict';
const fs = require('node:fs');
const { ManagedProcess } = require('./child');
const { READY_LINE, DEFAULT_OWNER, ensureN8n, n8nEnv, queueModeEnv, loadWorkflow, credentialsFor, importCredentials } = require('./n8n');
const { N8nRest } = require('./n8n-rest');
const { N8nWorker } = require('./n8n-worker');
const { freePort, waitForHttp } = require('./net');
const { installNodePackage } = require('./package');

/** @param {number} since @returns {number} seconds, one decimal */
const seconds = (since) => Math.round((Date.now() - since) / 100) / 10;

/**
 * A running `n8n start` (n8n main), and in queue mode its `n8n worker` processes. Build it
 * with `N8nInstance.start(options)`; see index.d.ts for the options.
 */
class N8nInstance {
  /** @param {any} options @param {{ dir: string, bin: string }} n8n @param {number} port */
  constructor(options, n8n, port) {
    this.options = options;
    this.n8n = n8n;
    this.port = port;
    this.userFolder = options.userFolder;
    this.url = `http://127.0.0.1:${port}`;
    this.rest = new N8nRest(this.url);
    this.owner = options.owner ?? DEFAULT_OWNER;
    /** @type {ManagedProcess | null} */
    this.process = null;
    /** @type {Record<string, number>} */
    this.timings = {};
    /** @type {{ id: string, name: string, active: boolean }[]} */
    this.workflows = [];
    /** Output of earlier runs (before restarts), so logs() tells the whole story. */
    this.pastLogs = '';
    /** n8n's environment beyond the harness's: queue mode's, then the caller's. @type {Record<string, string>} */
    this.env = { ...(options.queue ? queueModeEnv(options.queue) : {}), ...options.env };
    /** The running workers (queue mode). @type {N8nWorker[]} */
    this.workers = [];
    /** Workers started so far, to name the next one. */
    this.workerCount = 0;
    /** Output of stopped workers. */
    this.pastWorkerLogs = '';
  }

  /**
   * Prepares the user folder (package, credentials), starts n8n, sets up the owner, adds
   * and publishes the workflows, and resolves once webhooks answer.
   * @param {any} options
   * @returns {Promise<N8nInstance>}
   */
  static async start(options) {
    const t0 = Date.now();
    const log = options.log ?? ((/** @type {string} */ line) => process.stderr.write(`${line}\n`));
    const n8n = options.n8n ?? (await ensureN8n());
    fs.mkdirSync(options.userFolder, { recursive: true });
    const instance = new N8nInstance({ ...options, log }, n8n, options.port ?? (await freePort()));
    const workflows = (options.workflows ?? []).map(loadWorkflow);

    let t = Date.now();
    if (options.packageTarball) await installNodePackage(options.userFolder, options.packageTarball);
    instance.timings.installPackage = seconds(t);

    const credentials = [...credentialsFor(workflows, options.credentials ?? {}), ...(options.extraCredentials ?? [])];
    const tImport = Date.now();
    const importing = importCredentials(n8n, options.userFolder, credentials, instance.env).then(() => {
      instance.timings.importCredentials = seconds(tImport);
    });
    // Each n8n process creates or migrates the database's tables as it starts. On Postgres it
    // does so under an advisory lock, so in queue mode the import, main and the workers start
    // side by side; on SQLite the import goes first.
    const started = await Promise.allSettled(
      options.queue
        ? [importing, instance.launch(), instance.startWorkers(options.queue.workers ?? 1)]
        : [importing.then(() => instance.launch())],
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      // Whatever did start must not outlive the failed start either.
      await instance.stop().catch(() => undefined);
      throw failed.reason;
    }

    t = Date.now();
    try {
      if (options.setupOwner !== false) await instance.rest.ensureOwner(instance.owner);
      for (const wf of workflows) await instance.addWorkflow(wf, options.activate ?? true);
    } catch (err) {
      // The caller gets no instance to stop: n8n must not outlive the failed start.
      await instance.stop().catch(() => undefined);
      throw err;
    }
    instance.timings.setup = seconds(t);
    instance.timings.total = seconds(t0);
    log(
      `n8n (${n8n.dir}) ${instance.url} ready in ${instance.timings.total} s (${Object.entries(instance.timings)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')})`,
    );
    return instance;
  }

  /**
   * Adds a workflow unless one with its id exists, and publishes it when asked.
   * @param {Record<string, any>} wf
   * @param {boolean | readonly string[]} activate true, false, or the ids/names to publish
   */
  async addWorkflow(wf, activate = true) {
    let existing = wf.id ? await this.rest.getWorkflow(wf.id) : null;
    if (!existing) existing = await this.rest.createWorkflow(wf);
    const wanted = activate === true || (Array.isArray(activate) && (activate.includes(existing.id) || activate.includes(existing.name)));
    let active = Boolean(existing.activeVersionId ?? existing.active);
    if (wanted && !active) {
      await this.rest.activateWorkflow(existing.id);
      active = true;
    }
    const entry = { id: existing.id, name: existing.name, active };
    this.workflows = [...this.workflows.filter((w) => w.id !== entry.id), entry];
    return entry;
  }

  /** Starts the n8n process on this instance's user folder and port and waits until it is ready. */
  async launch() {
    const t = Date.now();
    const brokerPort = await freePort();
    const env = n8nEnv({ userFolder: this.userFolder, port: this.port, brokerPort, env: this.env });
    const proc = new ManagedProcess('n8n', process.execPath, [this.n8n.bin, 'start'], {
      cwd: this.userFolder,
      env,
      logFile: this.options.logFile,
      echo: this.options.echo,
    });
    this.process = proc;
    const timeoutMs = this.options.startTimeoutMs ?? 180_000;
    try {
      await waitForHttp(`${this.url}/healthz`, { timeoutMs, alive: () => proc.running, what: 'n8n' });
      this.timings.healthy = seconds(t);
      await proc.waitForLine(READY_LINE, { timeoutMs });
    } catch (err) {
      await proc.stop('SIGKILL').catch(() => undefined);
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.includes('\n') ? message : `${message}\n--- n8n output ---\n${proc.logs(80)}`);
    }
    this.timings.boot = seconds(t);
  }

  /**
   * Queue mode: starts `count` workers side by side and resolves once all take jobs.
   * @param {number} count
   */
  async startWorkers(count) {
    const t = Date.now();
    const started = await Promise.allSettled(Array.from({ length: count }, () => this.startWorker()));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.timings.workers = seconds(t);
  }

  /**
   * Starts one more `n8n worker` (queue mode only) and resolves once it takes jobs.
   * @returns {Promise<N8nWorker>}
   */
  async startWorker() {
    if (!this.options.queue) throw new Error('n8n runs in regular mode: start it with the `queue` option to have workers');
    const name = `n8n-worker-${++this.workerCount}`;
    const logFile = this.options.logFile ? this.options.logFile.replace(/(\.log)?$/, `.${name.slice(4)}.log`) : undefined;
    const worker = new N8nWorker({
      n8n: this.n8n,
      userFolder: this.userFolder,
      mainPort: this.port,
      env: this.env,
      name,
      logFile,
      echo: this.options.echo,
      startTimeoutMs: this.options.startTimeoutMs,
      stopTimeoutMs: this.options.stopTimeoutMs,
    });
    this.workers.push(worker);
    await worker.launch();
    return worker;
  }

  /**
   * Stops one worker (SIGTERM: it finishes the executions it is running; SIGKILL: a crash) and waits for the exit.
   * @param {N8nWorker} worker
   * @param {NodeJS.Signals} [signal]
   */
  async stopWorker(worker, signal = 'SIGTERM') {
    await worker.stop(signal);
    const proc = worker.process;
    this.pastWorkerLogs += `--- ${worker.name} ---\n${worker.logs()}\n--- ${worker.name} stopped (${proc?.exitCode ?? proc?.exitSignal}) ---\n`;
    this.workers = this.workers.filter((w) => w !== worker);
  }

  /**
   * Stops n8n main and its workers (SIGTERM: n8n finishes what it is doing and saves waiting
   * executions) and waits for the exits.
   */
  async stop() {
    await Promise.all([...this.workers.map((w) => this.stopWorker(w)), this.stopMain()]);
  }

  async stopMain() {
    const proc = this.process;
    if (!proc) return;
    await proc.stop('SIGTERM', this.options.stopTimeoutMs ?? 45_000);
    this.pastLogs += `${proc.logs()}\n--- n8n stopped (${proc.exitCode ?? proc.exitSignal}) ---\n`;
    this.process = null;
  }

  /**
   * Stops and starts n8n main again on the same user folder and port (its database,
   * credentials and workflows kept). Workers keep running.
   */
  async restart() {
    const t = Date.now();
    await this.stopMain();
    await this.launch();
    await this.rest.login(this.owner.email, this.owner.password);
    this.timings.restart = seconds(t);
    this.options.log(`n8n ${this.url} restarted in ${this.timings.restart} s`);
  }

  /** Everything n8n main printed, across restarts. */
  logs() {
    return `${this.pastLogs}${this.process?.logs() ?? ''}`;
  }

  /** Everything the workers printed, stopped ones first, each under its name. */
  workerLogs() {
    return `${this.pastWorkerLogs}${this.workers.map((w) => `--- ${w.name} ---\n${w.logs()}\n`).join('')}`;
  }

  /** URL of a production webhook path (as in the Webhook node's `path`). @param {string} webhookPath */
  webhookUrl(webhookPath) {
    return `${this.url}/webhook/${webhookPath.replace(/^\/+/, '')}`;
  }
}

/** @param {any} options */
const startN8n = (options) => N8nInstance.start(options);

module.exports = { N8nInstance, startN8n };
