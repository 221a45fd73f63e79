import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis } from '../../src/cluster/connection';
import { RedisBudget } from '../../src/cluster/redis-budget';
import { startHarness } from '../support/engine-harness';
import { RedisTestSpace, TEST_REDIS_URL, describeWithRedis } from '../support/redis';

describeWithRedis('the engine on a cluster budget (real Redis)', () => {
  const space = new RedisTestSpace();
  const budgets: RedisBudget[] = [];

  async function budget(limit: number): Promise<RedisBudget> {
    const b = new RedisBudget({
      redis: await connectRedis(TEST_REDIS_URL, 'test-engine-budget'),
      subscriber: await connectRedis(TEST_REDIS_URL, 'test-engine-budget-events'),
      prefix: space.prefix,
      limit,
      ownsConnections: true,
    });
    budgets.push(b);
    return b;
  }

  afterAll(async () => {
    await Promise.all(budgets.map((b) => b.close()));
    await space.cleanup();
  });

  it('a run cancelled while its agents wait for cluster slots records them cancelled and takes no slot', async () => {
    const other = await budget(2);
    const mine = await budget(2);
    // Another sidecar holds the whole budget.
    const leases = [await other.acquire(new AbortController().signal), await other.acquire(new AbortController().signal)];
    const h = await startHarness({ deps: { budget: mine } });
    try {
      const started = await h.engine.start({
        task: 'waits for slots',
        script: `return await parallel([1, 2, 3].map((i) => () => agent('slot ' + i)));`,
      });
      for (let i = 0; i < 100 && (await h.engine.get(started.id)).counts.queued < 3; i++) await sleep(20);
      expect((await h.engine.get(started.id)).counts.queued).toBe(3);
      expect(mine.waiting).toBe(3);
      const cancelled = await h.engine.cancel(started.id);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.counts).toMatchObject({ queued: 0, active: 0 });
      const agents = (await h.engine.agents(started.id, {})).agents;
      expect(agents.map((a) => a.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
      expect(mine.waiting).toBe(0);
      expect(mine.holding).toBe(0);
      expect(h.model.stats().requests).toBe(0);
    } finally {
      for (const l of leases) other.release(l);
      await h.close();
    }
  });

  it("agents wait out a cool-down another sidecar's push-back set before calling the model", async () => {
    const other = await budget(8);
    const mine = await budget(8);
    const h = await startHarness({ deps: { budget: mine } });
    try {
      await sleep(50);
      other.pushback(700);
      await sleep(30);
      const t = Date.now();
      const run = await h.run({ task: 'after the cool-down', script: `return await agent('cooled');` });
      expect(run.status).toBe('converged');
      expect(Date.now() - t).toBeGreaterThanOrEqual(500);
      expect(h.model.stats()).toMatchObject({ requests: 1, rateLimited: 0 });
    } finally {
      await h.close();
    }
  });
});
