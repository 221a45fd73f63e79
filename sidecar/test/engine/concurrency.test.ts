import { AdaptiveConcurrency } from '../../src/engine/concurrency';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** A task that stays in flight until released. */
function deferred() {
  let release!: () => void;
  const done = new Promise<void>((r) => {
    release = r;
  });
  return { done, release };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('AdaptiveConcurrency', () => {
  it.each([[0], [-1], [1.5], [Number.NaN]])('rejects max %p, naming maxParallel', (max) => {
    expect(() => new AdaptiveConcurrency({ max })).toThrow(RangeError);
    expect(() => new AdaptiveConcurrency({ max })).toThrow(/`maxParallel`/);
  });

  it('runs at most `max` tasks at once and queues the rest in order', async () => {
    const c = new AdaptiveConcurrency({ max: 2 });
    const tasks = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const all = tasks.map((t, i) =>
      c.run(async () => {
        started.push(i);
        await t.done;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(c.active).toBe(2);
    expect(c.pending).toBe(2);
    tasks[1].release();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const t of tasks) t.release();
    await expect(Promise.all(all)).resolves.toEqual([0, 1, 2, 3]);
    expect(c.active).toBe(0);
  });

  it('a task that throws frees its slot and rejects its own call only', async () => {
    const c = new AdaptiveConcurrency({ max: 1 });
    const failing = c.run(async () => {
      throw new Error('boom');
    });
    const next = c.run(async () => 'ok');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('halves the limit on push-back, down to 1, and says why', () => {
    const t = clock();
    const changes: [number, string][] = [];
    const c = new AdaptiveConcurrency({ max: 10, cooldownMs: 100, now: t.now, onChange: (n, why) => changes.push([n, why]) });
    for (const expected of [5, 2, 1, 1]) {
      c.pushback();
      expect(c.concurrency).toBe(expected);
      t.advance(100);
    }
    expect(changes).toEqual([
      [5, 'provider push-back'],
      [2, 'provider push-back'],
      [1, 'provider push-back'],
    ]);
  });

  it('a burst of push-backs within the cooldown counts as one signal', () => {
    const t = clock();
    const c = new AdaptiveConcurrency({ max: 16, cooldownMs: 1000, now: t.now });
    for (let i = 0; i < 16; i++) {
      c.pushback();
      t.advance(10);
    }
    expect(c.concurrency).toBe(8);
    t.advance(1000);
    c.pushback();
    expect(c.concurrency).toBe(4);
  });

  it('a longer retry-after widens the window in which further push-backs are ignored', () => {
    const t = clock();
    const c = new AdaptiveConcurrency({ max: 16, cooldownMs: 100, now: t.now });
    c.pushback(5000);
    expect(c.concurrency).toBe(8);
    t.advance(4000);
    c.pushback(5000);
    expect(c.concurrency).toBe(8);
    // A retry-after shorter than the cooldown does not shorten it.
    t.advance(5001);
    c.pushback(1);
    expect(c.concurrency).toBe(4);
    t.advance(50);
    c.pushback(1);
    expect(c.concurrency).toBe(4);
  });

  it('climbs back one step per full round of successes after the cooldown, never above max', () => {
    const t = clock();
    const changes: [number, string][] = [];
    const c = new AdaptiveConcurrency({ max: 4, cooldownMs: 100, now: t.now, onChange: (n, why) => changes.push([n, why]) });
    c.pushback();
    c.pushback(); // inside the cooldown: ignored
    expect(c.concurrency).toBe(2);
    c.success();
    c.success();
    c.success();
    expect(c.concurrency).toBe(2); // successes inside the cooldown do not count
    t.advance(100);
    c.success();
    expect(c.concurrency).toBe(2);
    c.success();
    expect(c.concurrency).toBe(3);
    c.success();
    c.success();
    expect(c.concurrency).toBe(3);
    c.success();
    expect(c.concurrency).toBe(4);
    for (let i = 0; i < 20; i++) c.success();
    expect(c.concurrency).toBe(4);
    expect(changes).toEqual([
      [2, 'provider push-back'],
      [3, 'recovering'],
      [4, 'recovering'],
    ]);
  });

  it('a push-back starts the count of successes over, even one ignored for its retry-after', () => {
    const t = clock();
    const c = new AdaptiveConcurrency({ max: 8, cooldownMs: 100, now: t.now });
    c.pushback();
    c.pushback();
    expect(c.concurrency).toBe(4);
    t.advance(100);
    c.success();
    c.success();
    c.success();
    c.pushback(); // the cooldown is over: it halves again
    expect(c.concurrency).toBe(2);
    t.advance(100);
    c.success();
    t.advance(10);
    c.pushback(5000); // within its own retry-after of the last halving: ignored, but the count restarts
    expect(c.concurrency).toBe(2);
    c.success();
    expect(c.concurrency).toBe(2);
    c.success();
    expect(c.concurrency).toBe(3);
  });

  it('lowering the limit never aborts tasks in flight; it holds new ones until enough finish', async () => {
    const t = clock();
    const c = new AdaptiveConcurrency({ max: 4, now: t.now });
    const tasks = Array.from({ length: 6 }, () => deferred());
    const started: number[] = [];
    const all = tasks.map((d, i) =>
      c.run(async () => {
        started.push(i);
        await d.done;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    c.pushback();
    expect(c.concurrency).toBe(2);
    expect(c.active).toBe(4);
    tasks[0].release();
    tasks[1].release();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]); // 2 still in flight = the new limit
    tasks[2].release();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const d of tasks) d.release();
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('the default cooldown is one second', () => {
    const t = clock();
    const c = new AdaptiveConcurrency({ max: 8, now: t.now });
    c.pushback();
    t.advance(999);
    c.pushback();
    expect(c.concurrency).toBe(4);
    t.advance(1);
    c.pushback();
    expect(c.concurrency).toBe(2);
  });
});
