'use strict';
// What `npm start` checks before anything slow: that its ports are free (and, if not, which
// process holds each), and that no sidecar from an earlier start still holds the data folder.
// Also the progress display it shows while n8n installs and starts.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

/**
 * Whether `port` can be bound on `host` right now (what the sidecar and n8n will do).
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>}
 */
function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The process listening on a TCP port: from /proc/net/tcp{,6} (the socket's inode) and
 * /proc/<pid>/fd (who has that socket open), else from `ss -ltnp`; null when neither tells
 * (no /proc, or the holder belongs to another user).
 * @param {number} port
 * @returns {{ pid: number, command: string } | null}
 */
function portHolder(port) {
  return holderFromProc(port) ?? holderFromSs(port);
}

/** @param {number} port */
function holderFromProc(port) {
  /** @type {Set<string>} */
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; st 0A is LISTEN.
      if (f.length < 10 || f[3] !== '0A') continue;
      const localPort = parseInt(f[1].split(':').pop() ?? '', 16);
      if (localPort === port && f[9] !== '0') inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return null;
  let pids;
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let target;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) return { pid: Number(pid), command: commandLine(Number(pid)) };
    }
  }
  return null;
}

/** @param {number} port */
function holderFromSs(port) {
  let out;
  try {
    out = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8', timeout: 3_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const m = /pid=(\d+)/.exec(out);
  if (!m) return null;
  const pid = Number(m[1]);
  return { pid, command: commandLine(pid) || (/users:\(\("([^"]+)"/.exec(out)?.[1] ?? '') };
}

/** @param {number} pid @returns {string} the command line, shortened; '' when unreadable */
function commandLine(pid) {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return raw.length > 200 ? `${raw.slice(0, 197)}…` : raw;
  } catch {
    return '';
  }
}

/**
 * Whether a dynamic-workflows sidecar answers on the port (its /healthz says `{ ok, version }`).
 * @param {number} port
 * @returns {Promise<string | null>} its version, or null
 */
async function sidecarVersionOn(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    const body = /** @type {{ ok?: unknown, version?: unknown }} */ (await res.json());
    return body && body.ok === true && typeof body.version === 'string' ? body.version : null;
  } catch {
    return null;
  }
}

/**
 * The sidecar holding the data folder's lock (sidecar.lock, written by `dynamic-workflows serve`),
 * when it is on this host and still running; null when the folder is free or the lock is stale.
 * The sidecar's own lock code judges it (`npm start` runs after the build).
 * @param {string} dataDir
 * @returns {{ pid: number, startedAt: string, command: string, lockFile: string } | null}
 */
function liveLockHolder(dataDir) {
  const { LOCK_FILE, liveLocalHolder } = require('../../sidecar/dist/store/data-dir-lock');
  const lock = liveLocalHolder(dataDir);
  if (!lock) return null;
  return {
    pid: lock.pid,
    startedAt: lock.startedAt,
    command: commandLine(lock.pid) || String(lock.command ?? 'dynamic-workflows'),
    lockFile: path.join(dataDir, LOCK_FILE),
  };
}

/**
 * Everything that stops `npm start` before it begins: a live sidecar on the data folder, a
 * taken port. Returns one message per problem (empty: go ahead).
 * @param {{ dataDir: string, ports: readonly { port: number, variable: string, what: string }[] }} options
 * @returns {Promise<string[]>}
 */
async function preflight(options) {
  /** @type {string[]} */
  const problems = [];
  const stale = liveLockHolder(options.dataDir);
  if (stale) {
    problems.push(
      `A sidecar from an earlier start still runs on ${options.dataDir}: pid ${stale.pid} (${stale.command}), since ${stale.startedAt}. ` +
        `Stop it (kill ${stale.pid}) and start again.`,
    );
  }
  for (const { port, variable, what } of options.ports) {
    if (await portIsFree(port)) continue;
    const holder = portHolder(port);
    const who = holder ? `pid ${holder.pid} (${holder.command || 'command line unreadable'})` : 'an unknown process';
    const sidecar = await sidecarVersionOn(port);
    let hint = `stop it, or set ${variable} to another port`;
    if (sidecar && !(stale && holder && holder.pid === stale.pid)) {
      hint = `it is a dynamic-workflows sidecar (${sidecar}), probably left by an earlier start: stop it${holder ? ` (kill ${holder.pid})` : ''}, or set ${variable} to another port`;
    } else if (stale && holder && holder.pid === stale.pid) {
      hint = 'it is the sidecar from the earlier start (above)';
    }
    problems.push(`Port ${port} (${variable}, for ${what}) is taken by ${who}: ${hint}.`);
  }
  return problems;
}

/**
 * Shows what is going on, with elapsed times: on a terminal one status line redrawn in place
 * (every task running and for how long); elsewhere (a log, a pipe) a line when a task starts
 * and ends, and a reminder of what is still running every `quietMs`.
 */
class Progress {
  /** @param {NodeJS.WritableStream & { isTTY?: boolean, columns?: number }} out @param {{ tty?: boolean, quietMs?: number }} [options] */
  constructor(out, options = {}) {
    this.out = out;
    this.tty = options.tty ?? out.isTTY === true;
    this.quietMs = options.quietMs ?? 15_000;
    this.t0 = Date.now();
    /** @type {Map<string, number>} task label → start time */
    this.running = new Map();
    this.drawn = false;
    this.lastPlain = Date.now();
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
  }

  /** @param {number} since */
  static secs(since) {
    return `${((Date.now() - since) / 1000).toFixed(1)} s`;
  }

  /**
   * Runs `work` as a task called `label` ("installing n8n"); `done` is the line printed when it
   * ends ("n8n installed"). Resolves or rejects as `work` does.
   * @template T
   * @param {string} label
   * @param {string} done
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  async task(label, done, work) {
    const t = Date.now();
    this.running.set(label, t);
    if (!this.tty) this.plain(`… ${label}`);
    this.tick();
    try {
      const result = await work();
      this.running.delete(label);
      this.line(`✓ ${done} (${Progress.secs(t)})`);
      return result;
    } catch (err) {
      this.running.delete(label);
      this.line(`✗ ${label} failed after ${Progress.secs(t)}`);
      throw err;
    } finally {
      this.tick();
    }
  }

  /** A permanent line (above the status line on a terminal). @param {string} text */
  line(text) {
    this.clear();
    this.plain(text);
    this.draw();
  }

  /** @param {string} text */
  plain(text) {
    this.out.write(`${text}\n`);
    this.lastPlain = Date.now();
  }

  /** Starts or stops the redraw timer as tasks come and go. */
  tick() {
    if (this.running.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.draw(), this.tty ? 250 : 1_000);
      this.timer.unref();
    } else if (this.running.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.clear();
    }
  }

  draw() {
    if (this.running.size === 0) return;
    const tasks = [...this.running].map(([label, t]) => `${label} ${Progress.secs(t)}`).join(' · ');
    if (this.tty) {
      const width = Math.max(20, (this.out.columns || 100) - 1);
      const text = `[${Progress.secs(this.t0)}] ${tasks}`;
      this.out.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain >= this.quietMs) {
      this.plain(`… still ${tasks} [${Progress.secs(this.t0)} in all]`);
    }
  }

  clear() {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  stop() {
    this.running.clear();
    this.tick();
  }
}

module.exports = { preflight, portIsFree, portHolder, liveLockHolder, sidecarVersionOn, Progress };
