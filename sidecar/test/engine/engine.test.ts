import { startHarness, type Harness } from '../support/engine-harness';

describe('engine against the offline model over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    h.model.reset();
    h.model.setKnobs({ latencyMs: 0 });
  });

  test('a 1,000-agent script makes exactly 1,000 model calls, never more than 16 at once, and the 1,001st agent() fails with agent_limit', async () => {
    h.model.setKnobs({ latencyMs: 20 });
    const run = await h.run({
      task: 'fan out',
      script: `
        phase('fan-out');
        const results = await parallel(Array.from({ length: 1000 }, (_, i) => () => agent('item ' + i, { label: 'item ' + i })));
        let limitError = null;
        try { await agent('one too many'); } catch (e) { limitError = { code: e.code, message: e.message }; }
        return { ok: results.filter((r) => typeof r === 'string').length, limitError };
      `,
    });
    expect(run.status).toBe('converged');
    const result = run.result as { ok: number; limitError: { code: string; message: string } };
    expect(result.ok).toBe(1000);
    expect(result.limitError.code).toBe('agent_limit');
    expect(result.limitError.message).toMatch(/1000/);
    const stats = h.model.stats();
    expect(stats.ok).toBe(1000);
    expect(stats.maxInFlight).toBeLessThanOrEqual(16);
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(run.counts).toMatchObject({ done: 1000, failed: 0, total: 1000 });
  });

  test('an uncaught agent limit fails the run with agent_limit', async () => {
    const run = await h.run({
      task: 'too many',
      options: { limits: { maxAgents: 5 } },
      script: `await parallel(Array.from({ length: 6 }, (_, i) => () => agent('n' + i))); return 'unreachable';`,
    });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('agent_limit');
  });

  test('a failed agent becomes null in the script and is in the agent log with its reason', async () => {
    const run = await h.run({
      task: 'one fails',
      script: `const r = await parallel([() => agent('fine'), () => agent('broken [offline:fail]', { label: 'bad one' })]); return r;`,
    });
    expect(run.status).toBe('converged');
    const result = run.result as unknown[];
    expect(typeof result[0]).toBe('string');
    expect(result[1]).toBeNull();
    const { agents } = await h.engine.agents(run.id, { status: 'failed' });
    expect(agents).toHaveLength(1);
    expect(agents[0].label).toBe('bad one');
    expect(agents[0].error?.code).toMatch(/^model_/);
    expect(agents[0].error?.message.length).toBeGreaterThan(0);
    expect(run.counts.failed).toBe(1);
  });

  test('a schema agent returns a validated object', async () => {
    const run = await h.run({
      task: 'structured',
      script: `return await agent('rate this', { schema: { type: 'object', properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, why: { type: 'string' } }, required: ['score', 'why'] } });`,
    });
    expect(run.status).toBe('converged');
    const r = run.result as { score: number; why: string };
    expect(Number.isInteger(r.score)).toBe(true);
    expect(r.score).toBeGreaterThanOrEqual(1);
    expect(typeof r.why).toBe('string');
  });

  test('the planner writes the script when none is given', async () => {
    const run = await h.run({ task: 'Research the question from several angles', input: { question: 'Why is the sky blue?' } });
    expect(run.status).toBe('converged');
    expect(await h.engine.script(run.id)).toMatch(/agent\(/);
    expect(run.usage.inputTokens).toBeGreaterThan(0);
  });

  test('pipeline has no barrier: a later stage of the first item starts before the first stage of the last item ends', async () => {
    const run = await h.run({
      task: 'pipeline',
      script: `
        return await pipeline([0, 1, 2],
          (_, item) => agent('stage1 ' + item + (item === 2 ? ' [offline:sleep=1500]' : ''), { label: 's1-' + item }),
          (prev, item) => agent('stage2 ' + item, { label: 's2-' + item }));
      `,
    });
    expect(run.status).toBe('converged');
    const { agents } = await h.engine.agents(run.id, {});
    const byLabel = new Map(agents.map((a) => [a.label, a]));
    const s2first = Date.parse(byLabel.get('s2-0')!.startedAt!);
    const s1last = Date.parse(byLabel.get('s1-2')!.endedAt!);
    expect(s2first).toBeLessThan(s1last);
  });

  test('a rerun with the last phase edited makes model calls only for the changed agents', async () => {
    const script = (verify: string) => `
      phase('scan');
      const found = await parallel(Array.from({ length: 20 }, (_, i) => () => agent('scan part ' + i)));
      phase('verify');
      const checked = await parallel(found.map((f, i) => () => agent('${verify} ' + i + ': ' + f)));
      return checked.length;`;
    const first = await h.run({ task: 'scan and verify', script: script('check') });
    expect(first.status).toBe('converged');
    expect(h.model.stats().ok).toBe(40);
    h.model.reset();
    const second = await h.engine.rerun(first.id, { script: script('double-check') });
    const done = await h.engine.waitFor(second.id);
    expect(done.status).toBe('converged');
    expect(done.parentId).toBe(first.id);
    expect(h.model.stats().ok).toBe(20);
    const { agents } = await h.engine.agents(done.id, { limit: 100 });
    expect(agents.filter((a) => a.replayed)).toHaveLength(20);
  });

  test('maxUsd ends the run with budget_usd, spending at most the budget plus the agents in flight, and the cost matches the price table', async () => {
    const maxParallel = 4;
    const run = await h.run({
      task: 'expensive',
      options: { limits: { maxUsd: 0.05, maxParallel } },
      script: `await parallel(Array.from({ length: 400 }, (_, i) => () => agent('write a long essay about topic ' + i))); return 'done';`,
    });
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('budget_usd');
    const { agents } = await h.engine.agents(run.id, { limit: 1000 });
    const paid = agents.filter((a) => a.usage.usd > 0);
    const maxAgentCost = Math.max(...paid.map((a) => a.usage.usd));
    expect(run.usage.usd).toBeLessThanOrEqual(0.05 + maxParallel * maxAgentCost + 1e-9);
    expect(paid.length).toBeLessThan(400);
    const { priceUsage } = await import('../../src/providers');
    const repriced = paid.reduce(
      (s, a) =>
        s +
        priceUsage(a.model, {
          input_tokens: a.usage.inputTokens,
          output_tokens: a.usage.outputTokens,
          cache_read_input_tokens: a.usage.cacheReadTokens,
          cache_creation_input_tokens: a.usage.cacheWriteTokens,
        }).usd,
      0,
    );
    expect(run.usage.usd).toBeCloseTo(repriced, 9);
  });

  test('a 200-agent fan-out sharing a long system prompt reads at least 90% of the repeated prefix from the cache', async () => {
    const shared = Array.from({ length: 600 }, (_, i) => `Context line ${i}: the shared policy text every agent needs.`).join('\n');
    const run = await h.run({
      task: 'cached fan-out',
      script: `const SYSTEM = ${JSON.stringify(shared)};
        const r = await parallel(Array.from({ length: 200 }, (_, i) => () => agent('question ' + i, { system: SYSTEM })));
        return r.filter(Boolean).length;`,
    });
    expect(run.status).toBe('converged');
    expect(run.result).toBe(200);
    const s = h.model.stats();
    const prefixTokens = s.cacheWriteTokens; // written once per distinct prefix
    expect(prefixTokens).toBeGreaterThan(1024);
    const repeated = prefixTokens * 199;
    expect(s.cacheReadTokens / repeated).toBeGreaterThanOrEqual(0.9);
    expect(run.usage.cacheReadTokens).toBe(s.cacheReadTokens);
  });

  test('a runaway script ends with cpu_limit while another run in the same engine converges', async () => {
    const [bad, good] = await Promise.all([
      h.run({ task: 'spin', options: { limits: { cpuMs: 300 } }, script: `for (;;) await null;` }),
      h.run({ task: 'fine', script: `return await parallel([() => agent('a'), () => agent('b')]);` }),
    ]);
    expect(bad.status).toBe('failed');
    expect(bad.error?.code).toBe('cpu_limit');
    expect(good.status).toBe('converged');
  });

  test('cancel stops new agents and ends the run cancelled', async () => {
    const until = async (cond: () => boolean | Promise<boolean>, what: string): Promise<void> => {
      for (const end = Date.now() + 30_000; !(await cond()); await new Promise((r) => setTimeout(r, 10))) {
        if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
      }
    };
    h.model.setKnobs({ latencyMs: 200 });
    const started = await h.engine.start({
      task: 'long',
      options: { limits: { maxParallel: 2 } },
      script: `await parallel(Array.from({ length: 50 }, (_, i) => () => agent('slow ' + i))); return 1;`,
    });
    // Mid-run: some agents done, two at the model, the rest queued.
    await until(async () => (await h.engine.get(started.id)).counts.done >= 2, 'two agents are done');
    const cancelled = await h.engine.cancel(started.id);
    expect(cancelled.status).toBe('cancelled');
    // cancel() returns once the run's execution has ended; the aborted calls then leave the model.
    await until(() => h.model.stats().inFlight === 0, 'no call is in flight at the model');
    const events = (await h.engine.events(started.id, 0)).map((e) => e.event);
    const cancelledAt = events.findIndex((e) => e.type === 'run.status' && e.status === 'cancelled');
    expect(cancelledAt).toBeGreaterThan(0);
    expect(events.slice(cancelledAt).filter((e) => e.type === 'agent.started')).toEqual([]);
    // Every model call belongs to an agent that started before the cancel (an agent that started
    // just before it may be aborted before its request reaches the model), and most never started.
    const startedAgents = events.filter((e) => e.type === 'agent.started').length;
    expect(h.model.stats().requests).toBeGreaterThanOrEqual(2);
    expect(h.model.stats().requests).toBeLessThanOrEqual(startedAgents);
    expect(startedAgents).toBeLessThan(50);
    const agents = (await h.engine.agents(started.id, { limit: 1000 })).agents;
    expect(agents.filter((a) => a.status === 'queued' || a.status === 'active')).toEqual([]);
  });
});
