import pg from 'pg';
import { createOfflineModelServer, type OfflineModelServer } from '../../src/offline';
import { ClusterProcess, fanOutScript, readEvents, type RunBody, type SseEvent } from '../support/cluster';
import { createTestDatabase, postgresStatus } from '../support/postgres';
import { RedisTestSpace, TEST_REDIS_URL, describeWithRedis } from '../support/redis';
import { SidecarProcess } from '../support/sidecar-process';

// Queue mode's acceptance tests against real processes: `serve --role api|worker|all` on one
// Postgres and one Redis, the real Anthropic SDK path against an offline model server in this
// process (it sees every model call of every process, and when each was in flight).

const CAP = 24;
/** Short locks and leases, so a SIGKILLed worker's run and slots are taken over in seconds. */
const RUN_LOCK_MS = 3_000;
const LEASE_MS = 3_000;

type Answers = { answered: number; answers: unknown[] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => {
  process.stderr.write(`queue mode: ${line}\n`);
};

/** Most requests the model server had in flight at once, from its per-request observations. */
function maxInFlight(model: OfflineModelServer): number {
  return model.observations().requests.reduce((m, r) => Math.max(m, r.inFlight), 0);
}

const pgStatus = postgresStatus();
if (!pgStatus.available) process.stderr.write(`\n[skipped] queue mode acceptance: Postgres unavailable (${pgStatus.reason})\n`);
const describeQueueMode = pgStatus.available ? describeWithRedis : describe.skip;

describeQueueMode('queue mode: one API process, three workers, one Postgres, one Redis', () => {
  const space = new RedisTestSpace();
  const model = createOfflineModelServer();
  let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  let sql: pg.Client | null = null;
  let env: Record<string, string> = {};
  const procs: ClusterProcess[] = [];
  let api!: ClusterProcess;
  let api2!: ClusterProcess;
  const workers: ClusterProcess[] = [];

  const spawnProcess = async (role: 'api' | 'worker', name: string): Promise<ClusterProcess> => {
    const p = new ClusterProcess(role, env, name);
    procs.push(p);
    await p.start();
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const { url } = await model.listen(0, '127.0.0.1');
    env = {
      DW_DATABASE_URL: db.url,
      DW_REDIS_URL: TEST_REDIS_URL,
      DW_REDIS_PREFIX: space.prefix,
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'test',
      ANTHROPIC_BASE_URL: url,
      DW_GLOBAL_MAX_PARALLEL: String(CAP),
      DW_WORKER_LOCK_MS: String(RUN_LOCK_MS),
      DW_WORKER_STALLED_CHECK_MS: String(RUN_LOCK_MS / 2),
      DW_REDIS_LEASE_MS: String(LEASE_MS),
    };
    // The API first: it creates the schema; then the workers together.
    api = await spawnProcess('api', 'api-1');
    workers.push(...(await Promise.all([1, 2, 3].map((i) => spawnProcess('worker', `worker-${i}`)))));
    api2 = await spawnProcess('api', 'api-2');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.dispose()));
    await model.close();
    await sql?.end().catch(() => undefined);
    await db?.drop();
    await space.cleanup();
  }, 60_000);

  afterEach(() => {
    model.reset({ knobs: true });
  });

  /** Agents of a run dispatched and not finished, per the journal. */
  async function inFlightInJournal(runId: string): Promise<number> {
    const r = await sql!.query<{ n: string }>(`SELECT count(*) AS n FROM agents WHERE run_id = $1 AND status = 'active'`, [runId]);
    return Number(r.rows[0]!.n);
  }

  /** The live worker executing `runId` (the only run executing at the time). */
  async function owner(): Promise<ClusterProcess | null> {
    for (const w of workers) if (w.alive && (await w.executing().catch(() => 0)) > 0) return w;
    return null;
  }

  it('30 runs × 100 agents, cap 24: every run converges with the answers of one embedded sidecar; 3,000 model calls; never more than 24 at the model', async () => {
    const RUNS = 30;
    const AGENTS = 100;
    // On two cores the cluster answers about 50 agents a second; at 500 ms per call that is
    // about the cap's 24 at the model, so the cap is what holds them back.
    model.setKnobs({ latencyMs: 500 });
    const script = fanOutScript(AGENTS);

    // The control: a sample of the same runs on one embedded sidecar (SQLite, no Redis).
    const SAMPLE = [0, 17, 29];
    const embedded = new SidecarProcess({ DW_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: model.url! });
    let control: Answers[];
    try {
      await embedded.start();
      const ids = await Promise.all(
        SAMPLE.map(async (k) => {
          const r = await embedded.request<RunBody>('POST', '/v1/runs', { task: `fan-out ${k}`, script, input: { run: k } });
          expect(r.status).toBe(201);
          return r.body.id;
        }),
      );
      control = await Promise.all(
        ids.map(async (id) => {
          const run = (await embedded.waitForStatus(id, ['converged', 'failed', 'cancelled'], 120_000)) as unknown as RunBody;
          expect(run.status).toBe('converged');
          return run.result as Answers;
        }),
      );
    } finally {
      await embedded.kill();
    }
    model.reset();

    const started = Date.now();
    // Which workers execute runs, sampled from their health answers while the runs go on.
    const mostExecuting = workers.map(() => 0);
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await Promise.all(
          workers.map(async (w, i) => {
            mostExecuting[i] = Math.max(mostExecuting[i]!, await w.executing().catch(() => 0));
          }),
        );
        await sleep(250);
      }
    })();
    let runs: RunBody[];
    try {
      const ids = await Promise.all(
        Array.from({ length: RUNS }, (_, k) => api.startRun({ task: `fan-out ${k}`, script, input: { run: k } })),
      );
      runs = await Promise.all(ids.map((id) => api.waitForEnd(id, 150_000)));
    } finally {
      sampling = false;
      await sampler;
    }
    const took = Date.now() - started;
    const stats = model.stats();
    const peak = maxInFlight(model);
    log(
      `${RUNS} runs × ${AGENTS} agents, cap ${CAP}: ${took} ms (${Math.round((RUNS * AGENTS * 1000) / took)} agents/s), ${stats.requests} model calls (${stats.ok} answered), max in flight ${peak}; most runs executing at once per worker: ${mostExecuting.join(', ')}`,
    );

    for (const run of runs)
      expect({ status: run.status, failed: run.counts.failed, done: run.counts.done }).toEqual({
        status: 'converged',
        failed: 0,
        done: AGENTS,
      });
    const results = runs.map((r) => r.result as Answers);
    for (const r of results) expect(r.answered).toBe(AGENTS);
    SAMPLE.forEach((k, i) => expect(results[k]).toEqual(control[i]));
    // Different runs asked different questions.
    expect(new Set(results.map((r) => JSON.stringify(r.answers))).size).toBe(RUNS);
    expect(stats.requests).toBe(RUNS * AGENTS);
    expect(stats.ok).toBe(RUNS * AGENTS);
    expect(Object.keys(stats.byPrompt)).toHaveLength(RUNS * AGENTS);
    expect(Object.values(stats.byPrompt).every((n) => n === 1)).toBe(true);
    expect(peak).toBeLessThanOrEqual(CAP);
    expect(peak).toBeGreaterThanOrEqual(CAP - 4); // the cap is used, not just respected
    // Every worker took a share.
    expect(mostExecuting.every((n) => n > 0)).toBe(true);
  }, 300_000);

  it('SSE through one API process while a worker executes the run, then Last-Event-ID through a second: every event once, in order', async () => {
    model.setKnobs({ latencyMs: 100 });
    const id = await api.startRun({ task: 'events', script: fanOutScript(120), input: { run: 'events' } });
    const isEnd = (e: SseEvent): boolean =>
      e.type === 'run.status' && ['converged', 'failed', 'cancelled'].includes(e.data.event.status ?? '');
    const first = await readEvents(api, id, (e, all) => all.length >= 180 || isEnd(e));
    expect(first.some(isEnd)).toBe(false); // cut mid-run
    const cutAt = first[first.length - 1]!.id;
    const midRun = await api.run(id);
    const rest = await readEvents(api2, id, isEnd, { lastEventId: cutAt });
    const ended = await api.waitForEnd(id);
    expect(ended.status).toBe('converged');

    const stored = (await sql!.query<{ id: string }>('SELECT id FROM events WHERE run_id = $1 ORDER BY id', [id])).rows.map((r) =>
      Number(r.id),
    );
    const seen = [...first, ...rest].map((e) => e.id);
    const endId = rest[rest.length - 1]!.id;
    log(
      `SSE: ${first.length} events through api-1 (run ${midRun.status}, ${midRun.counts.done} agents done), ${rest.length} more through api-2 after Last-Event-ID ${cutAt}; ${stored.length} stored`,
    );
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen).toEqual(stored.filter((s) => s <= endId));
    expect([...first, ...rest].every((e) => e.data.runId === id && e.data.id === e.id)).toBe(true);
  }, 120_000);

  it('pause, resume and cancel sent to the API act on the owning worker within a second', async () => {
    model.setKnobs({ latencyMs: 200 });
    const id = await api.startRun({ task: 'control', script: fanOutScript(400), input: { run: 'control' } });
    await api.waitFor(id, (r) => r.status === 'running' && r.counts.done >= 16, 60_000, 20);
    expect(await owner()).not.toBeNull();

    const timed = async (action: string, check: (r: RunBody) => boolean): Promise<number> => {
      const t0 = Date.now();
      const r = await api.request<RunBody>('POST', `/v1/runs/${id}/${action}`, {});
      expect(r.status).toBe(200);
      await api.waitFor(id, check, 5_000, 10);
      return Date.now() - t0;
    };

    const pauseMs = await timed('pause', (r) => r.paused === true);
    // In-flight agents finish; nothing new reaches the model.
    await sleep(600);
    const requestsPaused = model.stats().requests;
    const paused = await api.run(id);
    await sleep(800);
    const stillPaused = await api.run(id);
    expect(model.stats().requests).toBe(requestsPaused);
    expect(stillPaused.counts.done).toBe(paused.counts.done);
    expect(stillPaused.counts.active).toBe(0);

    const resumeMs = await timed('resume', (r) => r.paused === false);
    await api.waitFor(id, (r) => r.counts.done > stillPaused.counts.done, 10_000, 20);

    const cancelMs = await timed('cancel', (r) => r.status === 'cancelled');
    await sleep(500);
    const afterCancel = model.stats().requests;
    await sleep(500);
    const ended = await api.run(id);
    log(
      `control through the API: paused in ${pauseMs} ms, resumed in ${resumeMs} ms, cancelled in ${cancelMs} ms (done ${ended.counts.done} of 400)`,
    );
    expect(model.stats().requests).toBe(afterCancel);
    expect(ended.status).toBe('cancelled');
    expect(ended.counts.done).toBeLessThan(400);
    expect(ended.counts.active + ended.counts.queued).toBe(0);
    expect(pauseMs).toBeLessThan(1_000);
    expect(resumeMs).toBeLessThan(1_000);
    expect(cancelMs).toBeLessThan(1_000);
  }, 120_000);

  it('a 429 storm against the cluster: no agent fails, at most twice as many requests as agents', async () => {
    // The "account" allows 8 requests at once; the cluster's budget says 24.
    model.setKnobs({ latencyMs: 50, rateLimitConcurrency: 8, retryAfterSec: 0.5 });
    const RUNS = 6;
    const AGENTS = 30;
    const ids = await Promise.all(
      Array.from({ length: RUNS }, (_, k) =>
        api.startRun({ task: `storm ${k}`, script: fanOutScript(AGENTS), input: { run: `storm ${k}` } }),
      ),
    );
    const runs = await Promise.all(ids.map((id) => api.waitForEnd(id, 150_000)));
    const stats = model.stats();
    const agents = RUNS * AGENTS;
    log(
      `429 storm: ${agents} agents, the model allows 8 at once: ${stats.requests} requests (${(stats.requests / agents).toFixed(2)}× agents), ${stats.rateLimited} answered 429`,
    );
    for (const run of runs)
      expect({ status: run.status, failed: run.counts.failed, answered: (run.result as Answers).answered }).toEqual({
        status: 'converged',
        failed: 0,
        answered: AGENTS,
      });
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.ok).toBe(agents);
    expect(stats.requests).toBeLessThanOrEqual(2 * agents);
  }, 200_000);

  it('a worker SIGKILLed at 20 %, 50 % and 80 % of a 300-agent run: the run converges elsewhere with the answers of an uninterrupted run, paying again at most what was in flight', async () => {
    const AGENTS = 300;
    model.setKnobs({ latencyMs: 250 });
    const body = { task: 'kill', script: fanOutScript(AGENTS), input: { run: 'kill' } };
    const controlRun = await api.waitForEnd(await api.startRun(body));
    expect(controlRun.status).toBe('converged');
    model.reset();

    const id = await api.startRun(body);
    const kills: { at: number; worker: string; inFlight: number; atModel: number; takeoverMs?: number }[] = [];
    for (const share of [0.2, 0.5, 0.8]) {
      const progress = await api.waitFor(
        id,
        (r) => r.counts.done >= share * AGENTS || (r.status !== 'running' && r.status !== 'queued'),
        60_000,
        25,
      );
      expect(progress.status).toBe('running');
      const victim = await owner();
      if (!victim) throw new Error('no worker executes the run');
      const atModel = model.stats().inFlight;
      await victim.kill('SIGKILL');
      const killedAt = Date.now();
      const inFlight = await inFlightInJournal(id);
      kills.push({ at: progress.counts.done, worker: victim.name, inFlight, atModel });
      // A replacement keeps three workers.
      workers.splice(workers.indexOf(victim), 1, await spawnProcess('worker', `${victim.name}+`));
      // Taken over: the journal moves again on another worker.
      await api.waitFor(id, (r) => r.counts.done > progress.counts.done + 16 || r.status !== 'running', 60_000, 25);
      kills[kills.length - 1]!.takeoverMs = Date.now() - killedAt;
    }
    const run = await api.waitForEnd(id);
    const stats = model.stats();
    const paidTwice = stats.requests - AGENTS;
    const inFlightSum = kills.reduce((s, k) => s + k.inFlight, 0);
    log(
      `SIGKILL ×3 of a ${AGENTS}-agent run: ${kills.map((k) => `at ${k.at} done ${k.worker} had ${k.inFlight} in flight (${k.atModel} at the model), run moving again after ${k.takeoverMs} ms`).join('; ')}; model calls ${stats.requests} (${paidTwice} beyond ${AGENTS}, bound ${inFlightSum})`,
    );
    expect(run.status).toBe('converged');
    expect(run.counts.failed).toBe(0);
    expect(run.result).toEqual(controlRun.result);
    expect(paidTwice).toBeGreaterThanOrEqual(0);
    expect(paidTwice).toBeLessThanOrEqual(inFlightSum);
    expect(stats.ok).toBeGreaterThanOrEqual(AGENTS);
  }, 200_000);
});

describeQueueMode('queue mode: two workers take over the store of a crashed single-process sidecar', () => {
  const space = new RedisTestSpace();
  const model = createOfflineModelServer({ latencyMs: 250 });
  let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  let sql: pg.Client | null = null;
  const procs: ClusterProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    await model.listen(0, '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.dispose()));
    await model.close();
    await sql?.end().catch(() => undefined);
    await db?.drop();
    await space.cleanup();
  }, 60_000);

  it('no prompt is paid twice beyond the agents in flight at the crash, and the run converges', async () => {
    const AGENTS = 300;
    const modelEnv = { DW_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'test', ANTHROPIC_BASE_URL: model.url!, DW_DATABASE_URL: db!.url };
    // One process on Postgres, without Redis (it holds the database's advisory lock).
    const single = new ClusterProcess('all', modelEnv, 'single');
    procs.push(single);
    await single.start();
    const id = await single.startRun({ task: 'crash', script: fanOutScript(AGENTS), input: { run: 'crash' } });
    const before = await single.waitFor(id, (r) => r.counts.done >= 0.4 * AGENTS, 60_000, 25);
    expect(before.status).toBe('running');
    await single.kill('SIGKILL');
    const inFlight = Number(
      (await sql!.query<{ n: string }>(`SELECT count(*) AS n FROM agents WHERE run_id = $1 AND status = 'active'`, [id])).rows[0]!.n,
    );
    const doneAtCrash = Number(
      (await sql!.query<{ n: string }>(`SELECT count(*) AS n FROM agents WHERE run_id = $1 AND status = 'done'`, [id])).rows[0]!.n,
    );

    // Queue mode on the same store: two workers at once, and an API to watch.
    const queueEnv = {
      ...modelEnv,
      DW_REDIS_URL: TEST_REDIS_URL,
      DW_REDIS_PREFIX: space.prefix,
      DW_WORKER_LOCK_MS: String(RUN_LOCK_MS),
      DW_WORKER_STALLED_CHECK_MS: String(RUN_LOCK_MS / 2),
      DW_REDIS_LEASE_MS: String(LEASE_MS),
    };
    const started = Date.now();
    const [w1, w2] = [new ClusterProcess('worker', queueEnv, 'worker-a'), new ClusterProcess('worker', queueEnv, 'worker-b')];
    const api = new ClusterProcess('api', queueEnv, 'api');
    procs.push(w1, w2, api);
    await Promise.all([w1.start(), w2.start()]);
    await api.start();
    const run = await api.waitForEnd(id, 120_000);
    const stats = model.stats();
    const paidTwice = Object.values(stats.byPrompt).filter((n) => n > 1).length;
    log(
      `crash of a single-process sidecar at ${doneAtCrash} of ${AGENTS} done, ${inFlight} in flight; two workers finished the run in ${Date.now() - started} ms; ${stats.requests} model calls, ${paidTwice} prompts paid twice`,
    );
    // The control: the same script again, uninterrupted (on the cluster now), gives the same answers.
    const control = await api.waitForEnd(await api.startRun({ task: 'crash', script: fanOutScript(AGENTS), input: { run: 'crash' } }));
    expect(control.status).toBe('converged');
    expect(run.status).toBe('converged');
    expect(run.counts.failed).toBe(0);
    expect((run.result as Answers).answered).toBe(AGENTS);
    expect(run.result).toEqual(control.result);
    expect(Object.keys(stats.byPrompt)).toHaveLength(AGENTS);
    expect(paidTwice).toBeLessThanOrEqual(inFlight);
    expect(stats.requests).toBeLessThanOrEqual(AGENTS + inFlight);
  }, 200_000);
});
