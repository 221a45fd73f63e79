import { startHarness, type Harness } from '../support/engine-harness';

describe('verification helpers in a run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('runs consensus and verify through the engine and reports each round as a verify.round event', async () => {
    const run = await h.run({
      task: 'verify',
      script: `
        const c = await consensus('Name the capital of France [offline:text=Paris.]', { label: 'capital' });
        const v = await verify(['finding one', 'finding two'], { skeptics: 2, quorum: 1 });
        return { answer: c.answer, agents: c.agents, decided: c.decided, judged: v.evidence.map((e) => e.verdicts.length) };
      `,
    });
    expect(run.status).toBe('converged');
    expect(run.result).toEqual({ answer: 'Paris.', agents: 3, decided: true, judged: [2, 2] });
    expect(run.counts).toMatchObject({ done: 7, total: 7 });
    const rounds = (await h.engine.events(run.id, 0, 1000)).map((e) => e.event).filter((e) => e.type === 'verify.round');
    expect(rounds).toEqual([
      expect.objectContaining({ type: 'verify.round', helper: 'consensus', round: 1, agreement: 1, survivors: 1 }),
      expect.objectContaining({ type: 'verify.round', helper: 'verify', round: 1 }),
    ]);
    const labels = (await h.engine.agents(run.id, {})).agents.map((a) => a.label).sort();
    expect(labels).toEqual(['capital #1', 'capital #2', 'capital #3', 'skeptic 1.1', 'skeptic 1.2', 'skeptic 2.1', 'skeptic 2.2']);
  });
});
