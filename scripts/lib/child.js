'use strict';
// A long-running child process (n8n, the sidecar) whose output is kept for diagnosis and
// whose lines can be awaited; stopping it waits for the exit, with a forced kill after a grace period.
const { spawn } = require('node:child_process');
const fs = require('node:fs');

/** Lines of output kept in memory per process; older ones are dropped (the log file, if any, keeps all). */
const MAX_LINES = 5000;

/** @type {Set<ManagedProcess>} */
const live = new Set();
// Children run in process groups of their own, so nothing stops them when this process
// ends: ask every one still running to stop (n8n and the sidecar exit on SIGTERM).
process.on('exit', () => {
  for (const p of live) p.signalGroup('SIGTERM');
});

class ManagedProcess {
  /**
   * @param {string} name label used in messages
   * @param {string} command
   * @param {readonly string[]} args
   * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, logFile?: string, echo?: boolean }} [options]
   */
  constructor(name, command, args, options = {}) {
    this.name = name;
    /** @type {string[]} */
    this.lines = [];
    /** @type {Set<{ re: RegExp, resolve: (line: string) => void }>} */
    this.waiters = new Set();
    this.logStream = options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : null;
    this.echo = options.echo === true;
    // A process group of its own: n8n starts task runners as children, and a stop must reach them too.
    this.child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    /** @type {number | null} */
    this.exitCode = null;
    /** @type {NodeJS.Signals | null} */
    this.exitSignal = null;
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        this.exitCode = code;
        this.exitSignal = signal;
        resolve({ code, signal });
      });
      this.child.once('error', (err) => {
        live.delete(this);
        this.push(`[${this.name}] failed to start: ${err.message}`);
        resolve({ code: null, signal: null });
      });
    });
    this.exited.then(() => this.logStream?.end());
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const parts = (partial + chunk).split(/\r?\n/);
        partial = parts.pop() ?? '';
        for (const line of parts) this.push(line);
      });
      stream.on('end', () => {
        if (partial) this.push(partial);
        partial = '';
      });
    }
  }

  /** @param {string} line */
  push(line) {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    this.logStream?.write(`${line}\n`);
    if (this.echo) process.stderr.write(`[${this.name}] ${line}\n`);
    for (const w of this.waiters) {
      if (w.re.test(line)) {
        this.waiters.delete(w);
        w.resolve(line);
      }
    }
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return this.exitCode === null && this.exitSignal === null && this.child.pid !== undefined;
  }

  /** Output so far (stdout and stderr interleaved as they arrived), the last `max` lines. */
  logs(max = MAX_LINES) {
    return this.lines.slice(-max).join('\n');
  }

  /**
   * Resolves with the first line matching `re` printed from now on (or already printed,
   * when `includePast`); rejects on timeout or when the process exits first.
   * @param {RegExp} re
   * @param {{ timeoutMs?: number, includePast?: boolean }} [options]
   * @returns {Promise<string>}
   */
  waitForLine(re, options = {}) {
    const { timeoutMs = 120_000, includePast = true } = options;
    if (includePast) {
      const past = this.lines.find((l) => re.test(l));
      if (past !== undefined) return Promise.resolve(past);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        re,
        resolve: (/** @type {string} */ line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.name}: no output matching ${re} within ${timeoutMs} ms\n${this.logs(60)}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      this.exited.then(() => {
        if (!this.waiters.has(waiter)) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${this.exitCode ?? this.exitSignal}) before printing ${re}\n${this.logs(60)}`));
      });
    });
  }

  /**
   * Sends `signal` to the whole process group and waits for the exit; after `graceMs`
   * the group is killed. Resolves with how the main process ended.
   * @param {NodeJS.Signals} [signal]
   * @param {number} [graceMs]
   */
  async stop(signal = 'SIGTERM', graceMs = 20_000) {
    if (!this.running) return this.exited;
    this.signalGroup(signal);
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
      // Task runners and other grandchildren must not outlive a stopped n8n.
      this.signalGroup('SIGKILL');
    }
  }

  /** @param {NodeJS.Signals} signal */
  signalGroup(signal) {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

module.exports = { ManagedProcess };
