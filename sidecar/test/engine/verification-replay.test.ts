import { startHarness, type Harness } from '../support/engine-harness';

describe('verification helpers under the journal', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('a replayed run gives the same verdicts without new model calls', async () => {
    h.model.reset();
    h.model.setKnobs({ quiz: { errorRate: 0.3, seed: 11 } });
    const script = `
      phase('verify');
      const findings = [0, 1, 2, 3, 4, 5].map((i) => ({ id: i, text: '[quiz:finding:' + i + '] finding ' + i }));
      const v = await verify(findings, { skeptics: 3, describe: (f) => f.text });
      const c = await consensus('[quiz:open:3] What is the answer?', { maxAgents: 7 });
      return { confirmed: v.confirmed.map((f) => f.id), refuted: v.refuted.map((f) => f.id), answer: c.answer, agents: c.agents };`;
    const first = await h.run({ task: 'verify', script });
    expect(first.status).toBe('converged');
    const calls = h.model.stats().ok;
    expect(calls).toBeGreaterThanOrEqual(18 + 3);
    const rounds = (await h.engine.events(first.id, 0)).filter((e) => e.event.type === 'verify.round');
    expect(rounds.length).toBeGreaterThan(0);

    const again = await h.engine.rerun(first.id, {});
    const replayed = await h.engine.waitFor(again.id);
    expect(replayed.status).toBe('converged');
    expect(replayed.result).toEqual(first.result);
    expect(h.model.stats().ok).toBe(calls);
    h.model.setKnobs({ quiz: null });
  });
});
