import Anthropic from '@anthropic-ai/sdk';
import { inFlightSeries, type Observations, type RequestObservation } from '../../src/offline';
import { MODEL, startOffline, type Running } from './helpers';

const ask = (content: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model: MODEL,
  max_tokens: 64,
  messages: [{ role: 'user', content }],
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('observations: what the server saw, request by request', () => {
  let off: Running;
  beforeEach(async () => {
    off = await startOffline();
  });
  afterEach(async () => {
    await off.server.close();
  });

  test('under load (rateLimitConcurrency) each request has its arrival, end, in-flight, outcome and retry-after', async () => {
    off.server.setKnobs({ rateLimitConcurrency: 2, retryAfterSec: 0.5, latencyMs: 60_000 });
    const ac = new AbortController();
    const held = ['held 0', 'held 1'].map((p) => off.client.messages.create(ask(p), { signal: ac.signal }).catch(() => null));
    await until(() => off.server.stats().inFlight === 2);
    await expect(off.client.messages.create(ask('pushed back'))).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    ac.abort();
    await Promise.all(held);
    await until(() => off.server.stats().inFlight === 0);
    off.server.setKnobs({ latencyMs: 0 });
    await off.client.messages.create(ask('pushed back'));

    const { requests, truncated } = off.server.observations();
    expect(truncated).toBe(0);
    const byKey = (k: string): RequestObservation[] => requests.filter((r) => r.key === k);
    expect(requests.map((r) => r.ordinal)).toEqual([1, 2, 3, 4]);
    expect(
      byKey('held 0')
        .concat(byKey('held 1'))
        .map((r) => r.outcome),
    ).toEqual(['aborted', 'aborted']);
    const [rejected, retried] = byKey('pushed back');
    expect(rejected).toMatchObject({ outcome: 'rateLimited', retryAfterSec: 0.5, inFlight: 3 });
    expect(retried).toMatchObject({ outcome: 'ok', inFlight: 1 });
    expect(retried.retryAfterSec).toBeUndefined();
    for (const r of requests) expect(r.endedMs).toBeGreaterThanOrEqual(r.arrivedMs);
    expect(rejected.arrivedMs).toBeGreaterThanOrEqual(
      Math.max(
        ...byKey('held 0')
          .concat(byKey('held 1'))
          .map((r) => r.arrivedMs),
      ),
    );
    expect(retried.arrivedMs).toBeGreaterThanOrEqual(rejected.endedMs ?? Infinity);

    const series = inFlightSeries(requests);
    expect(series.map((p) => p.inFlight)).toEqual([1, 2, 3, 2, 1, 0, 1, 0]);
  });

  test('GET /_offline/observations returns the same, and reset clears it', async () => {
    await off.client.messages.create(ask('one'));
    const res = await fetch(`${off.url}/_offline/observations`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Observations;
    expect(body).toEqual(off.server.observations());
    expect(body.requests).toEqual([expect.objectContaining({ ordinal: 1, key: 'one', outcome: 'ok', inFlight: 1 })]);
    off.server.reset();
    expect(off.server.observations()).toEqual({ requests: [], truncated: 0 });
  });

  test('a fault chosen by ordinal still records whose request it was', async () => {
    off.server.setKnobs({ overloadEvery: 1 });
    await expect(off.client.messages.create(ask('unlucky'))).rejects.toBeInstanceOf(Anthropic.APIError);
    expect(off.server.observations().requests).toEqual([expect.objectContaining({ key: 'unlucky', outcome: 'overloaded' })]);
    expect(off.server.observations().requests[0].retryAfterSec).toBeUndefined();
  });
});
