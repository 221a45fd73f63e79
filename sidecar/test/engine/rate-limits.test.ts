import { startHarness, type Harness } from '../support/engine-harness';

describe('429 and 529 push-back', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h.close(); });

  test('a 429 storm (every other request, retry-after 1 s): the run completes, no agent fails, requests stay within 2x the agents', async () => {
    h.model.reset();
    h.model.setKnobs({ rateLimitEvery: 2, retryAfterSec: 1, latencyMs: 20 });
    const agents = 40;
    const run = await h.run({
      task: 'storm',
      script: `const r = await parallel(Array.from({ length: ${agents} }, (_, i) => () => agent('storm ' + i))); return r.filter(Boolean).length;`,
    });
    h.model.setKnobs({ rateLimitEvery: 0 });
    expect(run.status).toBe('converged');
    expect(run.result).toBe(agents);
    expect(run.counts.failed).toBe(0);
    const s = h.model.stats();
    expect(s.rateLimited).toBeGreaterThan(0);
    expect(s.requests).toBeLessThanOrEqual(2 * agents);
    const throttles = h.engine.events(run.id, 0).filter((e) => e.event.type === 'throttle');
    expect(throttles.length).toBeGreaterThan(0);
  }, 120_000);

  test('overloaded (529) answers are retried and the run completes', async () => {
    h.model.reset();
    h.model.setKnobs({ overloadEvery: 3, rateLimitEvery: 0, latencyMs: 0 });
    const run = await h.run({
      task: 'overload',
      script: `const r = await parallel(Array.from({ length: 30 }, (_, i) => () => agent('busy ' + i))); return r.filter(Boolean).length;`,
    });
    h.model.setKnobs({ overloadEvery: 0 });
    expect(run.status).toBe('converged');
    expect(run.result).toBe(30);
    expect(h.model.stats().overloaded).toBeGreaterThan(0);
  }, 120_000);

  test('dropped connections are retried', async () => {
    h.model.reset();
    h.model.setKnobs({ dropEvery: 4, latencyMs: 0 });
    const run = await h.run({
      task: 'drops',
      script: `const r = await parallel(Array.from({ length: 20 }, (_, i) => () => agent('drop ' + i))); return r.filter(Boolean).length;`,
    });
    h.model.setKnobs({ dropEvery: 0 });
    expect(run.status).toBe('converged');
    expect(run.result).toBe(20);
    expect(h.model.stats().dropped).toBeGreaterThan(0);
  }, 120_000);
});
