import { OfflineModelProcess } from '../support/offline-model-process';
import { RedisTestSpace, TEST_REDIS_URL, describeWithRedis } from '../support/redis';
import { SidecarProcess } from '../support/sidecar-process';

interface RunBody {
  id: string;
  status: string;
  counts: { done: number; failed: number; total: number };
  result: unknown;
  error: unknown;
}

const LIMIT = 24;
/** Short leases, so the SIGKILL test sees them expire. */
const LEASE_MS = 2_000;

/** A run of `n` agents at once (each run's own maxParallel stays 16). */
const fanOut = (n: number, tag: string): string =>
  `const r = await parallel(Array.from({ length: ${n} }, (_, i) => () => agent('${tag} item ' + i, { label: 'item ' + i })));
   return r.filter((x) => x !== null).length;`;

/**
 * Three real sidecars, each with its own data folder (embedded mode), sharing only Redis and one
 * offline model process (one "provider account"): the model counts what all three send.
 */
describeWithRedis('one provider budget for three sidecars on one Redis', () => {
  const space = new RedisTestSpace();
  let model: OfflineModelProcess;
  const sidecars: SidecarProcess[] = [];

  beforeAll(async () => {
    model = await OfflineModelProcess.start({ DW_OFFLINE_LATENCY_MS: '120', DW_OFFLINE_LATENCY_JITTER_MS: '60' });
    for (let i = 0; i < 3; i++) {
      const s = new SidecarProcess({
        DW_PROVIDER: 'anthropic',
        ANTHROPIC_API_KEY: 'sk-ant-offline-test-key',
        ANTHROPIC_BASE_URL: model.url,
        DW_REDIS_URL: TEST_REDIS_URL,
        DW_REDIS_PREFIX: space.prefix,
        DW_GLOBAL_MAX_PARALLEL: String(LIMIT),
        DW_REDIS_LEASE_MS: String(LEASE_MS),
      });
      sidecars.push(s);
    }
    await Promise.all(sidecars.map((s) => s.start()));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sidecars.map((s) => s.kill()));
    await model?.close();
    await space.cleanup();
  });

  async function runEverywhere(runsEach: number, agents: number, tag: string): Promise<RunBody[]> {
    const started = await Promise.all(
      sidecars.flatMap((s, i) =>
        Array.from({ length: runsEach }, async (_, j) => {
          const r = await s.request<RunBody>('POST', '/v1/runs', { task: `${tag} ${i}.${j}`, script: fanOut(agents, `${tag} ${i}.${j}`) });
          expect(r.status).toBe(201);
          return { sidecar: s, id: r.body.id };
        }),
      ),
    );
    return Promise.all(
      started.map(
        async ({ sidecar, id }) => (await sidecar.waitForStatus(id, ['converged', 'failed', 'cancelled'], 240_000)) as unknown as RunBody,
      ),
    );
  }

  it(`never has more than ${LIMIT} agents at the model across the cluster, and every run converges`, async () => {
    await model.reset();
    const runs = await runEverywhere(3, 40, 'budget');
    const stats = await model.stats();
    process.stderr.write(
      `cluster budget: 3 sidecars × 3 runs × 40 agents, limit ${LIMIT}: model max in flight ${stats.maxInFlight}, requests ${stats.requests}, answered ${stats.ok}\n`,
    );
    for (const run of runs) {
      expect({ status: run.status, result: run.result, failed: run.counts.failed }).toEqual({ status: 'converged', result: 40, failed: 0 });
    }
    expect(stats.maxInFlight).toBeLessThanOrEqual(LIMIT);
    // The budget is used, not just respected: 3 × 3 runs of 16 would put 144 at the model without it.
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(LIMIT - 4);
    expect(stats.ok).toBe(360);
  }, 300_000);

  it('a 429 storm against the cluster: no agent fails and the model sees at most twice as many requests as agents', async () => {
    await model.reset();
    // The account allows 8 requests at once; the cluster's budget says 24: two thirds of a full wave is pushed back.
    await model.setKnobs({ rateLimitConcurrency: 8, retryAfterSec: 0.5 });
    try {
      const runs = await runEverywhere(2, 30, 'storm');
      const stats = await model.stats();
      const agents = 3 * 2 * 30;
      process.stderr.write(
        `429 storm: ${agents} agents, model allows 8 at once: requests ${stats.requests} (${(stats.requests / agents).toFixed(2)}× agents), 429s ${stats.rateLimited}, max in flight ${stats.maxInFlight}\n`,
      );
      for (const run of runs) {
        expect({ status: run.status, result: run.result, failed: run.counts.failed }).toEqual({
          status: 'converged',
          result: 30,
          failed: 0,
        });
      }
      expect(stats.rateLimited).toBeGreaterThan(0);
      expect(stats.ok).toBe(agents);
      expect(stats.requests).toBeLessThanOrEqual(2 * agents);
    } finally {
      await model.setKnobs({ rateLimitConcurrency: 0, retryAfterSec: 1 });
    }
  }, 300_000);

  it('a sidecar killed (SIGKILL) while it holds slots gives them back when its leases expire, and its runs resume', async () => {
    const [victim, survivor] = sidecars as [SidecarProcess, SidecarProcess];
    await model.reset();
    const redis = await space.client();
    const held = async (): Promise<number> => {
      const [sec, micro] = await redis.time();
      return redis.zcount(`${space.prefix}budget:holders`, `(${Number(sec) * 1000 + Math.floor(Number(micro) / 1000)}`, '+inf');
    };
    const runs = await Promise.all(
      [0, 1].map(
        async (j) =>
          (await victim.request<RunBody>('POST', '/v1/runs', { task: `victim ${j}`, script: fanOut(120, `victim ${j}`) })).body.id,
      ),
    );
    const until = Date.now() + 30_000;
    while ((await held()) < LIMIT - 4) {
      if (Date.now() > until) throw new Error('the victim never held the budget');
      await new Promise((r) => setTimeout(r, 50));
    }
    const heldBefore = await held();
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    // Still held right after the kill, unless the victim's last renewal is already a lease old (a loaded machine).
    const heldAfter = await held();
    while ((await held()) > 0) {
      if (Date.now() - killedAt > LEASE_MS + 2_000)
        throw new Error(`leases of the killed sidecar still held after ${Date.now() - killedAt} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const freedAfter = Date.now() - killedAt;
    // The survivor gets the whole budget, and the victim's runs resume on restart.
    const own = await survivor.request<RunBody>('POST', '/v1/runs', { task: 'survivor', script: fanOut(48, 'survivor') });
    await victim.start();
    const ends = await Promise.all([
      survivor.waitForStatus(own.body.id, ['converged', 'failed', 'cancelled'], 120_000),
      ...runs.map((id) => victim.waitForStatus(id, ['converged', 'failed', 'cancelled'], 120_000)),
    ]);
    const stats = await model.stats();
    process.stderr.write(
      `SIGKILL: ${heldBefore} slots held before the kill, ${heldAfter} just after; they expired ${freedAfter} ms after the kill (DW_REDIS_LEASE_MS ${LEASE_MS}); max in flight ${stats.maxInFlight}\n`,
    );
    expect(ends.map((e) => [e.status, e.result])).toEqual([
      ['converged', 48],
      ['converged', 120],
      ['converged', 120],
    ]);
    expect(heldBefore).toBeGreaterThanOrEqual(LIMIT / 2); // slots churn as agents end and start
    expect(freedAfter).toBeLessThanOrEqual(LEASE_MS + 1_500);
    expect(stats.maxInFlight).toBeLessThanOrEqual(LIMIT);
  }, 300_000);
});

describe('a sidecar whose Redis does not answer', () => {
  it('does not start: redis_unavailable, with the URL named without its password', async () => {
    const s = new SidecarProcess({ DW_REDIS_URL: 'redis://budget:hunter2secret@127.0.0.1:1/0', DW_LOG_LEVEL: 'info' });
    const err = (await s.start().catch((e: unknown) => e)) as Error;
    await s.kill();
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('redis_unavailable');
    expect(err.message).toContain('redis://budget:***@127.0.0.1:1/0');
    expect(err.message).not.toContain('hunter2secret');
    expect(s.logs).not.toContain('hunter2secret');
  }, 60_000);
});
