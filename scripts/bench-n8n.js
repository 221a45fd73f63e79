#!/usr/bin/env node
'use strict';
// `npm run bench:n8n` (after `npm run build`): what n8n adds around a run. The sidecar (offline
// model with a small latency per call) and a real n8n 2.41.1 with this package and the example
// Webhook → Start → Wait for Convergence → Respond to Webhook, both in temporary folders. Each
// webhook request starts a run that fans out to a few agents; per request the bench takes the
// round trip and the run's own time (its record's createdAt to its terminal `run.status` event)
// and prints p50 and p95 of the difference, first one request at a time, then several at once,
// with the callback deliveries and 409 retries of those runs. Goals are printed, not asserted.
// Everything started is stopped and the temporary folders removed at the end, also on Ctrl-C
// (DW_KEEP_TEMP=1 keeps the folders and logs to look into).
//
// Knobs (environment): BENCH_N8N_REQUESTS (100 per mode), BENCH_N8N_CONCURRENCY (10),
// BENCH_N8N_AGENTS (16 per run), BENCH_N8N_LATENCY_MS (20, per model call), BENCH_N8N_WARMUP (5).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { N8nInstance, ROOT, ensureN8n, generateToken, nodesBuildIsStale, packNodePackage, startSidecar, sleep } = require('./lib');

const EXAMPLE = path.join(ROOT, 'examples', 'webhook-start-wait-respond.json');
const GOAL_P50_MS = 50;
const GOAL_P95_MS = 150;
const TERMINAL = new Set(['converged', 'failed', 'cancelled']);

/** @param {string} name @param {number} def @param {number} min */
function intFrom(name, def, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`Expected \`${name}\` to be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

const REQUESTS = intFrom('BENCH_N8N_REQUESTS', 100, 1);
const CONCURRENCY = intFrom('BENCH_N8N_CONCURRENCY', 10, 1);
const AGENTS = intFrom('BENCH_N8N_AGENTS', 16, 1);
const LATENCY_MS = intFrom('BENCH_N8N_LATENCY_MS', 20, 0);
const WARMUP = intFrom('BENCH_N8N_WARMUP', 5, 0);
const KEEP = process.env.DW_KEEP_TEMP === '1';

/** @param {string} line */
const say = (line) => process.stdout.write(`${line}\n`);

/**
 * What the sidecar's event stream (GET /v1/events) told about each run: when it reached a
 * terminal status, and its callback outcomes.
 * @typedef {{ endedAt: number | null, status: string | null, delivered: number, deliveredAt: number | null, failed: number }} RunEvents
 */
class EventLog {
  /** @param {{ url: string, token: string }} sidecar */
  constructor(sidecar) {
    this.sidecar = sidecar;
    /** @type {Map<string, RunEvents>} */
    this.runs = new Map();
    this.controller = new AbortController();
    /** @type {Promise<void> | null} */
    this.done = null;
  }

  /** @param {string} runId */
  of(runId) {
    let r = this.runs.get(runId);
    if (!r) this.runs.set(runId, (r = { endedAt: null, status: null, delivered: 0, deliveredAt: null, failed: 0 }));
    return r;
  }

  /** Connects and keeps reading in the background; resolves once the stream is open. */
  async open() {
    const res = await fetch(`${this.sidecar.url}/v1/events`, {
      headers: { authorization: `Bearer ${this.sidecar.token}`, accept: 'text/event-stream' },
      signal: this.controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`GET /v1/events answered ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    this.done = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.onMessage(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // Closed by close(), or the sidecar went away (the bench then fails on its requests).
      }
    })();
  }

  /** @param {string} message one SSE message (id/event/data lines, or a comment) */
  onMessage(message) {
    const data = message.split('\n').find((l) => l.startsWith('data: '));
    if (!data) return;
    /** @type {{ runId: string, at: string, event: { type: string, status?: string } }} */
    const stored = JSON.parse(data.slice('data: '.length));
    const r = this.of(stored.runId);
    const { event } = stored;
    if (event.type === 'run.status' && event.status && TERMINAL.has(event.status) && r.endedAt === null) {
      r.endedAt = Date.parse(stored.at);
      r.status = event.status;
    } else if (event.type === 'callback.delivered') {
      r.delivered += 1;
      r.deliveredAt ??= Date.parse(stored.at);
    } else if (event.type === 'callback.failed') r.failed += 1;
  }

  async close() {
    this.controller.abort();
    await this.done;
  }
}

/** Nearest-rank percentile of `values` (sorted here), `p` in 0..100. @param {number[]} values @param {number} p */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** @type {import('./lib').SidecarProcess | null} */
let sidecar = null;
/** @type {import('./lib').N8nInstance | null} */
let n8n = null;
/** @type {EventLog | null} */
let events = null;
/** @type {string | null} */
let tempRoot = null;
let stopping = false;

/** Stops what was started, removes the temporary folder, and exits with `code`. @param {number} code */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  await events?.close().catch(() => undefined);
  await n8n?.stop().catch(() => undefined);
  await sidecar?.stop().catch(() => undefined);
  if (tempRoot) {
    if (KEEP) say(`Kept ${tempRoot} (DW_KEEP_TEMP=1).`);
    else fs.rmSync(tempRoot, { recursive: true, force: true });
  }
  process.exit(code);
}

/**
 * One webhook request: the round trip as the caller sees it, and the run it started.
 * @param {string} url
 * @param {string} label
 * @returns {Promise<{ label: string, startedAt: number, roundTripMs: number, httpStatus: number, runId: string | null, status: string | null, error: string | null }>}
 */
async function request(url, label) {
  const body = JSON.stringify({ task: `Fan out to ${AGENTS} agents: benchmark request ${label}.` });
  const startedAt = Date.now();
  const t0 = performance.now();
  let httpStatus = 0;
  let text = '';
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(120_000),
    });
    httpStatus = res.status;
    text = await res.text();
  } catch (err) {
    return { label, startedAt, roundTripMs: performance.now() - t0, httpStatus, runId: null, status: null, error: String(err) };
  }
  const roundTripMs = performance.now() - t0;
  /** @type {{ runId?: string, status?: string }} */
  let answer = {};
  try {
    answer = JSON.parse(text);
  } catch {
    // Reported below as an error.
  }
  const ok = httpStatus === 200 && answer.status === 'converged' && typeof answer.runId === 'string';
  return {
    label,
    startedAt,
    roundTripMs,
    httpStatus,
    runId: answer.runId ?? null,
    status: answer.status ?? null,
    error: ok ? null : `HTTP ${httpStatus}: ${text.slice(0, 200)}`,
  };
}

/**
 * `count` requests, `concurrency` at a time.
 * @param {string} url @param {string} mode @param {number} count @param {number} concurrency
 */
async function drive(url, mode, count, concurrency) {
  /** @type {Awaited<ReturnType<typeof request>>[]} */
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < count && !stopping) {
      const i = next++;
      results.push(await request(url, `${mode}-${i + 1}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/**
 * The run's own time (record createdAt → terminal status event), the callback outcomes and
 * the retries the sidecar logged, for the runs of one mode.
 * @param {Awaited<ReturnType<typeof drive>>} results
 * @param {string} sidecarLog
 */
async function measure(results, sidecarLog) {
  if (!sidecar || !events) throw new Error('not started');
  const ok = results.filter((r) => r.error === null && r.runId);
  // Terminal events are written before the callback goes out, so they are there by now; the
  // callback outcome is recorded after n8n has answered the resume POST, which may come after
  // the webhook's answer: wait until every run has one (or a short while).
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && ok.some((r) => events?.of(/** @type {string} */ (r.runId)).endedAt === null)) await sleep(50);
  await sleep(1_000);
  const overhead = [];
  const roundTrip = [];
  const runTime = [];
  const beforeRun = [];
  const afterRun = [];
  const toCallback = [];
  let delivered = 0;
  let failed = 0;
  let missing = 0;
  for (const r of ok) {
    const runId = /** @type {string} */ (r.runId);
    const res = await sidecar.api('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    const ev = events.of(runId);
    if (res.status !== 200 || ev.endedAt === null) {
      missing += 1;
      continue;
    }
    const createdAt = Date.parse(/** @type {{ createdAt: string }} */ (res.body).createdAt);
    const ms = ev.endedAt - createdAt;
    runTime.push(ms);
    roundTrip.push(r.roundTripMs);
    overhead.push(r.roundTripMs - ms);
    beforeRun.push(createdAt - r.startedAt);
    afterRun.push(r.startedAt + r.roundTripMs - ev.endedAt);
    if (ev.deliveredAt !== null) toCallback.push(ev.deliveredAt - ev.endedAt);
    delivered += ev.delivered;
    failed += ev.failed;
  }
  const ids = new Set(ok.map((r) => r.runId));
  let retries409 = 0;
  let otherRetries = 0;
  for (const line of fs.readFileSync(sidecarLog, 'utf8').split('\n')) {
    if (!line.includes('callback delivery will be retried')) continue;
    /** @type {{ runId?: string, reason?: string }} */
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (!entry.runId || !ids.has(entry.runId)) continue;
    if (String(entry.reason).startsWith('HTTP 409')) retries409 += 1;
    else otherRetries += 1;
  }
  return {
    requests: results.length,
    errors: results.filter((r) => r.error !== null),
    missing,
    measured: overhead.length,
    overhead,
    roundTrip,
    runTime,
    beforeRun,
    afterRun,
    toCallback,
    delivered,
    failed,
    retries409,
    otherRetries,
  };
}

/** @param {number} ms */
const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : 'n/a');

/**
 * @param {Awaited<ReturnType<typeof measure>> & { wallMs: number }} seq
 * @param {Awaited<ReturnType<typeof measure>> & { wallMs: number }} par
 */
function report(seq, par) {
  const o50 = (/** @type {typeof seq} */ m) => percentile(m.overhead, 50);
  const o95 = (/** @type {typeof seq} */ m) => percentile(m.overhead, 95);
  const pair = (/** @type {number[]} */ v) => `${fmt(percentile(v, 50))} / ${fmt(percentile(v, 95))}`;
  const mark = (/** @type {number} */ v, /** @type {number} */ goal) => (v <= goal ? 'met' : 'not met');
  /** @type {[string, string, string, string][]} */
  const rows = [
    ['', 'sequential', `${CONCURRENCY} at a time`, 'goal'],
    ['requests measured', `${seq.measured} of ${seq.requests}`, `${par.measured} of ${par.requests}`, ''],
    ['round trip p50 / p95', pair(seq.roundTrip), pair(par.roundTrip), ''],
    ['run time p50 / p95', pair(seq.runTime), pair(par.runTime), ''],
    [
      'round trip − run time, p50',
      fmt(o50(seq)),
      fmt(o50(par)),
      `≤ ${GOAL_P50_MS} ms (${mark(o50(seq), GOAL_P50_MS)} / ${mark(o50(par), GOAL_P50_MS)})`,
    ],
    [
      'round trip − run time, p95',
      fmt(o95(seq)),
      fmt(o95(par)),
      `≤ ${GOAL_P95_MS} ms (${mark(o95(seq), GOAL_P95_MS)} / ${mark(o95(par), GOAL_P95_MS)})`,
    ],
    ['  request sent → run created, p50 / p95', pair(seq.beforeRun), pair(par.beforeRun), ''],
    ['  run ended → answer received, p50 / p95', pair(seq.afterRun), pair(par.afterRun), ''],
    ['  run ended → callback answered, p50 / p95', pair(seq.toCallback), pair(par.toCallback), ''],
    ['round trip − run time, max', fmt(Math.max(...seq.overhead)), fmt(Math.max(...par.overhead)), ''],
    ['callbacks delivered', String(seq.delivered), String(par.delivered), ''],
    ['  (the rest: run ended before the wait)', String(seq.measured - seq.delivered), String(par.measured - par.delivered), ''],
    ['callbacks failed', String(seq.failed), String(par.failed), ''],
    ['409 retries', String(seq.retries409), String(par.retries409), ''],
    ['other callback retries', String(seq.otherRetries), String(par.otherRetries), ''],
    ['wall time', fmt(seq.wallMs), fmt(par.wallMs), ''],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
  say('');
  for (const r of rows)
    say(
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('   ')
        .trimEnd(),
    );
  for (const [name, m] of [
    ['sequential', seq],
    ['concurrent', par],
  ]) {
    const mm = /** @type {typeof seq} */ (m);
    if (mm.errors.length > 0) say(`\n${name}: ${mm.errors.length} requests failed, e.g. ${mm.errors[0].error}`);
    if (mm.missing > 0) say(`${name}: ${mm.missing} runs had no record or no terminal event`);
  }
}

async function main() {
  const t0 = Date.now();
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-n8n-'));
  const sidecarLog = path.join(tempRoot, 'sidecar.log');
  const n8nLog = path.join(tempRoot, 'n8n.log');
  say(
    `bench:n8n: ${REQUESTS} webhook requests sequentially, then ${REQUESTS} at ${CONCURRENCY} at a time; each run fans out to ${AGENTS} agents; offline model ${LATENCY_MS} ms per call (temp ${tempRoot})`,
  );

  // `npm run bench:n8n` builds first; the bench itself packs dist/ as it is and does not rebuild it.
  if (nodesBuildIsStale())
    say('warning: dist/ is older than the node sources: run `npm run build` (or `npm run bench:n8n`) to measure them');
  const token = generateToken();
  const [n8nInstall, tarball] = await Promise.all([
    ensureN8n(),
    packNodePackage({ outDir: path.join(tempRoot, 'package'), build: false }),
    startSidecar({
      dataDir: path.join(tempRoot, 'sidecar'),
      token,
      provider: 'offline',
      logFile: sidecarLog,
      env: { DW_CALLBACK_HOSTS: '127.0.0.1', DW_OFFLINE_LATENCY_MS: String(LATENCY_MS) },
    }).then((s) => (sidecar = s)),
  ]);
  if (!sidecar) throw new Error('the sidecar did not start');
  say(`sidecar ${sidecar.url} up in ${sidecar.startSeconds} s; starting n8n ${n8nInstall.version}…`);

  events = new EventLog(sidecar);
  await events.open();

  n8n = await N8nInstance.start({
    n8n: n8nInstall,
    userFolder: path.join(tempRoot, 'n8n'),
    packageTarball: tarball,
    workflows: [EXAMPLE],
    credentials: { dynamicWorkflowsApi: { baseUrl: sidecar.url, token } },
    logFile: n8nLog,
    log: say,
  });
  const wf = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8'));
  const hookPath = wf.nodes.find((/** @type {{ type: string }} */ n) => n.type === 'n8n-nodes-base.webhook').parameters.path;
  const url = n8n.webhookUrl(hookPath);

  if (WARMUP > 0) {
    const warm = await drive(url, 'warmup', WARMUP, 1);
    const bad = warm.find((r) => r.error !== null);
    if (bad) throw new Error(`warm-up request failed: ${bad.error}`);
    say(`${WARMUP} warm-up requests (not counted): ${warm.map((r) => fmt(r.roundTripMs)).join(', ')}`);
  }

  say(`sequential: ${REQUESTS} requests…`);
  let t = Date.now();
  const seqResults = await drive(url, 'seq', REQUESTS, 1);
  const seqWall = Date.now() - t;
  const seq = { ...(await measure(seqResults, sidecarLog)), wallMs: seqWall };

  say(`concurrent: ${REQUESTS} requests, ${CONCURRENCY} at a time…`);
  t = Date.now();
  const parResults = await drive(url, 'par', REQUESTS, CONCURRENCY);
  const parWall = Date.now() - t;
  const par = { ...(await measure(parResults, sidecarLog)), wallMs: parWall };

  report(seq, par);
  say(`\nn8n 2.41.1 started in ${n8n.timings.total} s; whole bench ${Math.round((Date.now() - t0) / 1000)} s.`);
}

// n8n and the sidecar run in process groups of their own: Ctrl-C reaches them only through here.
process.on('SIGINT', () => void stopAll(130));
process.on('SIGTERM', () => void stopAll(143));

main().then(
  () => stopAll(0),
  async (err) => {
    process.stderr.write(`bench:n8n failed: ${err instanceof Error ? err.message : String(err)}\n`);
    if (sidecar) process.stderr.write(`--- sidecar log (end) ---\n${sidecar.logs().split('\n').slice(-30).join('\n')}\n`);
    if (n8n) process.stderr.write(`--- n8n log (end) ---\n${n8n.logs().split('\n').slice(-30).join('\n')}\n`);
    await stopAll(1);
  },
);
