import type { AgentRecord } from '../../src/core/types';
import type { ModelProvider } from '../../src/providers/types';
import { createProvider } from '../../src/providers';
import type { CommittedStep, StepWrite } from '../../src/store/store';
import { startHarness, type Harness, type OfflineServer } from '../support/engine-harness';
import { createOfflineModelServer } from '../../src/offline';

/**
 * The engine's writes are grouped (one store step per run per turn of the event loop) without
 * giving up a durability promise: an agent's `issued` and `started` rows are stored before its
 * model call, and its `completed` row before the script sees the answer. Real store, real
 * sandbox, real SDK against the offline model over HTTP; the store's commit and the provider
 * are only watched.
 */
describe('group commit', () => {
  let model: OfflineServer;
  let url: string;
  let h: Harness;
  const steps: StepWrite[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    model = createOfflineModelServer({ latencyMs: 20 });
    url = (await model.listen(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await model.close();
  });

  beforeEach(async () => {
    steps.length = 0;
    violations.length = 0;
    const real = createProvider('offline', {}, { baseURL: url });
    let harness: Harness | null = null;
    // Before each model call: the agent asking is journaled as active (its issued and started rows are stored).
    const watched: ModelProvider = {
      name: real.name,
      defaultModel: real.defaultModel,
      async createMessage(params, signal) {
        const first = params.messages[0];
        const prompt = typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content);
        const store = harness!.store;
        const runs = (await store.runs.list({ limit: 10 })).runs;
        let found: AgentRecord | undefined;
        for (const run of runs) {
          const { agents } = await store.journal.list(run.id, { offset: 0, limit: 1000 });
          // The longest journaled prompt the request carries ("item 1" is in "item 16").
          for (const a of agents) if (prompt.includes(a.prompt) && a.prompt.length > (found?.prompt.length ?? -1)) found = a;
        }
        if (!found || found.status !== 'active')
          violations.push(`model called for "${prompt.slice(0, 40)}" with journal row ${found?.status ?? 'missing'}`);
        return real.createMessage(params, signal);
      },
    };
    harness = await startHarness({ model: { server: model, url }, deps: { provider: watched } });
    h = harness;
    const commit = h.store.commit.bind(h.store);
    h.store.commit = async (step: StepWrite): Promise<CommittedStep> => {
      steps.push(step);
      return commit(step);
    };
  });
  afterEach(async () => {
    await h.close();
  });

  it('stores 200 agents of one Promise.all in far fewer steps than rows, issued and started before each model call', async () => {
    const run = await h.run({
      task: 'fan-out',
      script: `const r = await parallel(Array.from({ length: 200 }, (_, i) => () => agent('group commit item ' + i))); return r.filter(Boolean).length;`,
    });
    expect(run.status).toBe('converged');
    expect(run.result).toBe(200);
    expect(violations).toEqual([]);
    const rows = steps.reduce((n, s) => n + (s.agents?.length ?? 0), 0);
    // Each agent is written queued, active and done: 600 rows at least.
    expect(rows).toBeGreaterThanOrEqual(600);
    // The 200 issued rows of the one Promise.all go in a few steps: the calls cross from the sandbox
    // in bursts (one burst on an idle machine), and each turn of the event loop commits one step.
    const issuing = steps.filter((s) => (s.agents ?? []).some((a) => a.status === 'queued'));
    expect(issuing.length).toBeLessThan(100);
    expect(steps.length).toBeLessThan(rows / 2);
  });

  it('stores an agent as done before the script sees its answer', async () => {
    // Each agent's prompt is the previous answer's length: the script sees every answer in turn.
    const run = await h.run({
      task: 'chain',
      script: `let last = 'start'; for (let i = 0; i < 5; i++) { last = await agent('chain step ' + i + ' after ' + String(last).length); } return 'ok';`,
    });
    expect(run.status).toBe('converged');
    // When agent i+1 was issued, agent i's done row was already in an earlier (committed) step.
    const doneAt = new Map<number, number>();
    const issuedAt = new Map<number, number>();
    steps.forEach((s, i) => {
      for (const a of s.agents ?? []) {
        if (a.status === 'done' && !doneAt.has(a.seq)) doneAt.set(a.seq, i);
        if (a.status === 'queued' && !issuedAt.has(a.seq)) issuedAt.set(a.seq, i);
      }
    });
    for (let seq = 1; seq < 5; seq++) expect(doneAt.get(seq)!).toBeLessThan(issuedAt.get(seq + 1)!);
    expect(violations).toEqual([]);
  });

  it('publishes events only once they are stored, in order', async () => {
    const seen: number[] = [];
    const off = h.engine.subscribe(null, (e) => seen.push(e.id));
    const run = await h.run({ task: 'events', script: `await parallel([() => agent('e one'), () => agent('e two')]); return 1;` });
    off();
    const stored = (await h.engine.events(run.id, 0)).map((e) => e.id);
    expect(seen).toEqual(stored);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
