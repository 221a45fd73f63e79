import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createCallbacks } from '../../src/app';
import type { CallbackService } from '../../src/callbacks/service';
import type { RunRecord, RunStatus } from '../../src/core/types';
import { buildServer } from '../../src/http';
import { startHarness, type Harness } from '../support/engine-harness';
import { FUZZ_MIX, fuzzRequests } from './fuzz-requests';
import { fuzzApi, fuzzSeeds } from './fuzz-run';
import { TOKEN, waitFor } from './harness';

const SEEDS = fuzzSeeds([1]);
const HOLD = '[offline:sleep=600000]';

/**
 * The same fuzz against the real sidecar API: the real engine, store and sandbox behind
 * it (the offline model over HTTP), with runs held in each state the actions care about.
 * Anything the HTTP layer lets through reaches the real engine, which must reject it too.
 */
describe(`fuzzing the API (real engine) with ${Object.values(FUZZ_MIX).reduce((a, b) => a + b, 0)} malformed requests`, () => {
  let h: Harness;
  let app: FastifyInstance;
  let callbacks: CallbackService;
  let base: string;
  let port: number;
  const runIds: string[] = [];

  const holdIn = async (status: RunStatus, spec: Parameters<Harness['engine']['start']>[0]): Promise<string> => {
    const { id } = await h.engine.start(spec);
    await waitFor(async () => (await h.engine.get(id)).status === status, 30_000);
    return id;
  };
  const snapshot = async (): Promise<string> =>
    JSON.stringify(
      await Promise.all(
        runIds.map(async (id): Promise<Partial<RunRecord> & { agents: number }> => {
          const r = await h.engine.get(id);
          return {
            id: r.id,
            status: r.status,
            phase: r.phase,
            counts: r.counts,
            result: r.result,
            error: r.error,
            approval: r.approval,
            agents: (await h.engine.agents(id, {})).total,
          };
        }),
      ),
    );

  beforeAll(async () => {
    h = await startHarness({ env: { DW_TOKEN: TOKEN, DW_LOG_LEVEL: 'silent' } });
    callbacks = createCallbacks({ config: h.config, callbackStore: h.callbackStore, engine: h.engine, logger: pino({ level: 'silent' }) });
    app = buildServer({ engine: h.engine, config: h.config, callbacks, logger: pino({ level: 'silent' }), version: '9.9.9-test' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    callbacks.start();
    port = (app.server.address() as { port: number }).port;
    base = `http://127.0.0.1:${port}`;
    runIds.push(
      await holdIn('awaiting_approval', { task: 'wait for approval', script: 'return 1;', options: { approvePlan: true } }),
      await holdIn('running', { task: 'hold', script: `return await agent(${JSON.stringify(`${HOLD} hold the run open`)});` }),
      await holdIn('converged', { task: 'done', script: 'return { ok: 1 };' }),
      await holdIn('planning', { task: `${HOLD} plan slowly` }),
    );
    // The running run's one agent is in flight before the fuzz starts.
    await waitFor(async () => (await h.engine.get(runIds[1])).counts.active === 1, 30_000);
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await callbacks.stop();
    await h.close();
  });

  it.each(SEEDS)(
    'DW_FUZZ_SEED=%i: answers every one with a 4xx JSON error and changes no run',
    async (seed) => {
      const before = await snapshot();
      const total = (await h.engine.list({ limit: 500 })).runs.length;

      const { failures, statuses } = await fuzzApi(base, port, fuzzRequests(seed, runIds));

      expect(failures).toEqual([]);
      for (const expected of [400, 401, 404, 405, 413, 414, 415]) expect([...statuses]).toContain(expected);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await snapshot()).toBe(before);
      expect((await h.engine.list({ limit: 500 })).runs.length).toBe(total);
      for (const id of runIds) expect(await callbacks.registrations(id)).toEqual([]);
    },
    120_000,
  );
});
