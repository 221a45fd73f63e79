import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis } from '../../src/cluster/connection';
import { RedisBudget, type RedisBudgetOptions } from '../../src/cluster/redis-budget';
import { RedisProxy, RedisTestSpace, TEST_REDIS_URL, describeWithRedis } from '../support/redis';

describeWithRedis('RedisBudget (real Redis)', () => {
  const space = new RedisTestSpace();
  const budgets: RedisBudget[] = [];

  async function budget(opts: Partial<RedisBudgetOptions> & { limit: number }, url = TEST_REDIS_URL): Promise<RedisBudget> {
    const b = new RedisBudget({
      redis: await connectRedis(url, 'test-budget'),
      subscriber: await connectRedis(url, 'test-budget-events'),
      prefix: space.prefix,
      ownsConnections: true,
      ...opts,
    });
    budgets.push(b);
    return b;
  }

  afterEach(async () => {
    await Promise.all(budgets.splice(0).map((b) => b.close()));
    await space.cleanup();
  });

  it('holds the cap under contention from several clients, and every task runs', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => budget({ limit: 5 })));
    let inFlight = 0;
    let max = 0;
    let done = 0;
    const signal = new AbortController().signal;
    const task = async (ms: number) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await sleep(ms);
      inFlight--;
      done++;
    };
    await Promise.all(clients.flatMap((c, i) => Array.from({ length: 40 }, (_, j) => c.run(() => task(3 + ((i * 7 + j) % 10)), signal))));
    expect(done).toBe(160);
    expect(max).toBeLessThanOrEqual(5);
    expect(max).toBeGreaterThanOrEqual(4);
    const redis = await space.client();
    expect(await redis.zcard(`${space.prefix}budget:holders`)).toBe(0);
  });

  it('hands slots round the waiting processes: a busy one does not starve a quiet one', async () => {
    const [busy, quiet] = [await budget({ limit: 4 }), await budget({ limit: 4 })];
    const signal = new AbortController().signal;
    let busyDone = 0;
    const busyAll = Promise.all(
      Array.from({ length: 100 }, () =>
        busy.run(async () => {
          await sleep(20);
          busyDone++;
        }, signal),
      ),
    );
    await sleep(50);
    const quietAll = Promise.all(Array.from({ length: 8 }, () => quiet.run(() => sleep(20), signal)));
    await quietAll;
    const busyWhenQuietEnded = busyDone;
    await busyAll;
    // Alone, the busy process would need 25 rounds of 4; the quiet one's 8 agents end long before it does.
    expect(busyWhenQuietEnded).toBeLessThan(60);
  });

  it("gives a dead holder's slots back once its leases expire", async () => {
    // A process killed while it held both slots: its leases are in Redis, nobody renews them.
    const redis = await space.client();
    const [sec, micro] = await redis.time();
    const expiry = Number(sec) * 1000 + Math.floor(Number(micro) / 1000) + 400;
    await redis.zadd(`${space.prefix}budget:holders`, expiry, 'dead:0', expiry, 'dead:1');
    const alive = await budget({ limit: 2, leaseMs: 400 });
    const t = Date.now();
    const lease = await alive.acquire(new AbortController().signal);
    const waited = Date.now() - t;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(2_000);
    alive.release(lease);
  });

  it('renews the leases of a holder that is alive: a long agent keeps its slot', async () => {
    const holder = await budget({ limit: 1, leaseMs: 1_000 });
    const other = await budget({ limit: 1, leaseMs: 1_000 });
    const signal = new AbortController().signal;
    const lease = await holder.acquire(signal);
    let got = false;
    const waiting = other.acquire(signal).then((l) => {
      got = true;
      return l;
    });
    await sleep(2_500); // two and a half leases
    expect(got).toBe(false);
    holder.release(lease);
    other.release(await waiting);
  });

  it('a waiter whose signal aborts leaves the line and takes no slot', async () => {
    const a = await budget({ limit: 1 });
    const b = await budget({ limit: 1 });
    const lease = await a.acquire(new AbortController().signal);
    const controller = new AbortController();
    const waiting = b.acquire(controller.signal);
    await sleep(100);
    controller.abort(new Error('cancelled by test'));
    await expect(waiting).rejects.toThrow('cancelled by test');
    expect(b.waiting).toBe(0);
    await sleep(50);
    const redis = await space.client();
    expect(await redis.zcard(`${space.prefix}budget:queue`)).toBe(0);
    a.release(lease);
    await sleep(50);
    expect(await redis.zcard(`${space.prefix}budget:holders`)).toBe(0);
    // The slot is free for the next one at once.
    b.release(await b.acquire(new AbortController().signal));
  });

  it('a push-back seen by one process cools every process down and halves the shared limit', async () => {
    const a = await budget({ limit: 8 });
    const b = await budget({ limit: 8 });
    await b.subscribed;
    a.pushback(1_000);
    for (let i = 0; i < 100 && b.coolingDownMs === 0; i++) await sleep(10);
    const known = b.coolingDownMs;
    expect(known).toBeGreaterThan(0);
    const t = Date.now();
    await b.beforeModelCall(new AbortController().signal);
    expect(Date.now() - t).toBeGreaterThanOrEqual(known - 20);
    // A slot asked for during the cool-down waits for its end, and the limit in force is 4.
    b.release(await b.acquire(new AbortController().signal));
    expect(b.lastLimit).toBe(4);
  });

  it('the shared limit climbs back, one step per round of successful calls, once the push-back window has passed', async () => {
    const a = await budget({ limit: 8 });
    const signal = new AbortController().signal;
    a.pushback(50);
    await sleep(100);
    a.release(await a.acquire(signal));
    expect(a.lastLimit).toBe(4);
    await sleep(1_000); // the window of a push-back is at least 1 s
    for (let i = 0; i < 30; i++) {
      const lease = await a.acquire(signal);
      a.success();
      a.release(lease);
      await sleep(5);
    }
    a.release(await a.acquire(signal));
    expect(a.lastLimit).toBe(8);
  });

  it('new agents wait while Redis is unreachable and get their slot when it answers again', async () => {
    const proxy = await RedisProxy.start();
    const states: boolean[] = [];
    const b = await budget({ limit: 2, onAvailability: (available) => states.push(available) }, proxy.url);
    try {
      b.release(await b.acquire(new AbortController().signal));
      await sleep(50);
      proxy.cut();
      let got = false;
      const waiting = b.acquire(new AbortController().signal).then((l) => {
        got = true;
        return l;
      });
      await sleep(800);
      expect(got).toBe(false);
      expect(states).toContain(false);
      proxy.restore();
      b.release(await waiting);
      expect(states[states.length - 1]).toBe(true);
    } finally {
      await b.close();
      budgets.splice(budgets.indexOf(b), 1);
      await proxy.close();
    }
  });

  it('costs well under a millisecond per acquire and release on a local Redis', async () => {
    const b = await budget({ limit: 64 });
    const signal = new AbortController().signal;
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = process.hrtime.bigint();
      const lease = await b.acquire(signal);
      b.release(lease);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((x, y) => x - y);
    const p50 = times[Math.floor(times.length / 2)]!;
    const p99 = times[Math.floor(times.length * 0.99)]!;
    process.stderr.write(`RedisBudget acquire+release: p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (300 pairs)\n`);
    expect(p50).toBeLessThan(5);
  });
});
