import type { AddressInfo } from 'node:net';
import { FUZZ_MIX, fuzzRequests } from './fuzz-requests';
import { fuzzApi, fuzzSeeds } from './fuzz-run';
import { makeHarness, type Harness } from './harness';

const SEEDS = fuzzSeeds([1, 2, 3]);
const TOTAL = Object.values(FUZZ_MIX).reduce((a, b) => a + b, 0);

describe(`fuzzing the API (fake engine) with ${TOTAL} malformed requests per seed`, () => {
  let h: Harness;
  let base: string;
  let port: number;
  beforeAll(async () => {
    h = makeHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => h.close());

  it.each(SEEDS)('DW_FUZZ_SEED=%i: answers every one with a 4xx JSON error and changes nothing', async (seed) => {
    const runIds = [
      h.engine.seed({ status: 'awaiting_approval' }).id,
      h.engine.seed({ status: 'running' }).id,
      h.engine.seed({ status: 'converged', result: { ok: 1 } }).id,
      h.engine.seed({ status: 'planning', hasScript: false }, null).id,
    ];
    const before = JSON.stringify([...h.engine.runs.values()]);
    const runsBefore = h.engine.runs.size;
    const callsBefore = h.engine.calls.length;

    const { failures, statuses, byKind } = await fuzzApi(base, port, fuzzRequests(seed, runIds));

    expect(failures).toEqual([]);
    expect([...byKind.keys()].sort()).toEqual(Object.keys(FUZZ_MIX).sort());
    // The fuzzer reaches every kind of rejection, not just the first gate.
    for (const expected of [400, 401, 404, 405, 413, 414, 415]) expect([...statuses]).toContain(expected);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.stringify([...h.engine.runs.values()])).toBe(before);
    expect(h.engine.runs.size).toBe(runsBefore);
    for (const id of runIds) expect(await h.callbacks.registrations(id)).toEqual([]);
    // Garbage ids may reach the engine (which answers run_not_found); nothing may act on a real run.
    const mutating = new Set(['start', 'cancel', 'approve', 'rerun', 'pause', 'resume']);
    expect(
      h.engine.calls
        .slice(callsBefore)
        .filter((c) => mutating.has(c.method) && (c.method === 'start' || runIds.includes(c.args[0] as string))),
    ).toEqual([]);
  });
});
