import { inFlightSeries, type RequestObservation } from '../../src/offline';
import { startHarness, type Harness } from '../support/engine-harness';

/** The 429s and the calls around them, for a failure message. */
function describe429s(requests: readonly RequestObservation[]): string {
  return requests
    .map(
      (r) =>
        `#${r.ordinal} ${JSON.stringify(r.key)} ${r.arrivedMs.toFixed(0)}..${r.endedMs?.toFixed(0) ?? '?'} ms in-flight ${r.inFlight} ${r.outcome}`,
    )
    .join('\n');
}

/** Time-weighted mean of the in-flight count over [from, to]. */
function meanInFlight(series: readonly { atMs: number; inFlight: number }[], from: number, to: number): number {
  let area = 0;
  let level = 0;
  let t = from;
  for (const p of series) {
    if (p.atMs > to) break;
    if (p.atMs > from) {
      area += level * (p.atMs - t);
      t = p.atMs;
    }
    level = p.inFlight;
  }
  return (area + level * (to - t)) / (to - from);
}

describe('429 and 529 push-back', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('a 429 storm (429 with retry-after 1 s above 4 in flight): retries wait their retry-after, in-flight drops and recovers, no agent fails, requests stay within 2x the agents', async () => {
    const limit = 4;
    const retryAfterSec = 1;
    const agents = 48;
    h.model.reset();
    h.model.setKnobs({ rateLimitConcurrency: limit, retryAfterSec, latencyMs: 250 });
    const run = await h.run({
      task: 'storm',
      script: `const r = await parallel(Array.from({ length: ${agents} }, (_, i) => () => agent('storm ' + i))); return r.filter(Boolean).length;`,
    });
    h.model.setKnobs({ rateLimitConcurrency: 0 });
    const seen = h.model.observations();
    const where = `server observations:\n${describe429s(seen.requests)}`;
    expect(run.status).toBe('converged');
    expect(run.result).toBe(agents);
    expect(run.counts.failed).toBe(0);
    expect(seen.truncated).toBe(0);

    const pushedBack = seen.requests.filter((r) => r.outcome === 'rateLimited');
    expect(pushedBack.length).toBeGreaterThan(0);
    for (const r of pushedBack) expect(r.retryAfterSec).toBe(retryAfterSec);

    // Per agent (its prompt): each retry after a 429 arrives no sooner than that 429's retry-after.
    const byAgent = new Map<string, RequestObservation[]>();
    for (const r of seen.requests) {
      expect(r.key).not.toBeNull();
      byAgent.set(r.key ?? '', [...(byAgent.get(r.key ?? '') ?? []), r]);
    }
    expect(byAgent.size).toBe(agents);
    for (const [key, calls] of byAgent) {
      calls.forEach((r, i) => {
        if (r.outcome !== 'rateLimited') return;
        const next = calls[i + 1];
        if (next === undefined) throw new Error(`${key}: a 429 was never retried\n${where}`);
        // 1 ms of slack: timers run on the event loop's millisecond clock.
        const waitedMs = next.arrivedMs - (r.endedMs ?? Infinity);
        if (!(waitedMs >= retryAfterSec * 1000 - 1))
          throw new Error(`${key}: retried ${waitedMs.toFixed(1)} ms after a 429 with retry-after ${retryAfterSec} s\n${where}`);
      });
      expect(calls[calls.length - 1].outcome).toBe('ok');
    }

    // While pushed back (the first 429's retry-after) the time-averaged in-flight is at most
    // half the limit: a client that merely retried would refill each freed slot at once and
    // stay at the limit. Afterwards it climbs back to the limit.
    const series = inFlightSeries(seen.requests);
    const windowStart = pushedBack[0].endedMs ?? 0;
    const windowEnd = windowStart + retryAfterSec * 1000;
    expect(meanInFlight(series, windowStart, windowEnd)).toBeLessThanOrEqual(limit / 2);
    expect(Math.max(...series.filter((p) => p.atMs > windowEnd).map((p) => p.inFlight))).toBeGreaterThanOrEqual(limit);

    expect(seen.requests.length).toBeLessThanOrEqual(2 * agents);
    expect(h.model.stats().requests).toBe(seen.requests.length);
    const throttles = (await h.engine.events(run.id, 0)).filter((e) => e.event.type === 'throttle');
    expect(throttles.map((e) => (e.event.type === 'throttle' ? e.event.reason : ''))).toEqual(
      expect.arrayContaining(['provider push-back', 'recovering']),
    );
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
