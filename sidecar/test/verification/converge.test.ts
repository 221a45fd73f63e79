import type { IsolatedVmSandbox } from '../../src/sandbox';
import { newSandbox, runScript } from './run-script';

interface ConvergeResult {
  items: unknown[];
  rejected: unknown[];
  rounds: number;
  stopped: 'nothing_new' | 'until' | 'max_rounds';
  evidence: { round: number; accepted: unknown[]; rejected: unknown[]; repeats: number }[];
}

describe('converge', () => {
  let sandbox: IsolatedVmSandbox;
  beforeAll(() => {
    sandbox = newSandbox();
  });
  afterAll(() => sandbox.dispose());

  const converge = async (body: string, answer: (prompt: string) => unknown = (p) => p) => {
    const run = await runScript(sandbox, body, (call) => answer(call.prompt));
    if (!run.outcome.ok) throw new Error(JSON.stringify(run.outcome.error));
    return { ...run, r: run.result as ConvergeResult };
  };

  it('ends at maxRounds when every round brings something new', async () => {
    const { r, rounds } = await converge("return await converge((round) => ['item ' + round], { maxRounds: 4 });");
    expect(r.rounds).toBe(4);
    expect(r.stopped).toBe('max_rounds');
    expect(r.items).toEqual(['item 1', 'item 2', 'item 3', 'item 4']);
    expect(rounds.map((e) => [e.helper, e.round, e.survivors])).toEqual([
      ['converge', 1, 1],
      ['converge', 2, 2],
      ['converge', 3, 3],
      ['converge', 4, 4],
    ]);
  });

  it('has a default bound of 5 rounds', async () => {
    const { r } = await converge('return await converge((round) => [round]);');
    expect(r).toMatchObject({ rounds: 5, stopped: 'max_rounds' });
  });

  it('ends as soon as a round only repeats what it has seen', async () => {
    const { r, calls } = await converge(`
      const found = ['a', 'b', 'c', 'd'];
      return await converge(async (round, seen) => {
        const next = found.find((f) => !seen.includes(f));
        const fresh = next ? await agent(next) : null;
        return [fresh, 'a'];
      }, { maxRounds: 50 });`);
    expect(r.items).toEqual(['a', 'b', 'c', 'd']);
    expect(r.stopped).toBe('nothing_new');
    expect(r.rounds).toBe(5);
    expect(calls).toHaveLength(4);
  });

  it('never lets a rejected item back in, even when a later round accepts it', async () => {
    const { r } = await converge(`
      return await converge((round) => {
        if (round === 1) return { accepted: ['good'], rejected: ['Bad idea'] };
        if (round === 2) return { accepted: ['bad idea.', 'better'], rejected: [] };
        return ['BAD IDEA', 'good'];
      }, { maxRounds: 10 });`);
    expect(r.items).toEqual(['good', 'better']);
    expect(r.rejected).toEqual(['Bad idea']);
    expect(r.stopped).toBe('nothing_new');
    expect(r.rounds).toBe(3);
    expect(r.evidence[1]).toEqual({ round: 2, accepted: ['better'], rejected: [], repeats: 1 });
  });

  it('keeps an item out when one round both accepts and rejects it', async () => {
    const { r } = await converge("return await converge(() => ({ accepted: ['x', 'y'], rejected: ['x'] }));");
    expect(r.items).toEqual(['y']);
    expect(r.rejected).toEqual(['x']);
  });

  it('compares items by key and stops when until() says so', async () => {
    const { r } = await converge(`
      return await converge((round) => [{ id: round % 3, round }], {
        key: 'id', until: (s) => s.items.length >= 2, maxRounds: 9 });`);
    expect(r.items).toEqual([
      { id: 1, round: 1 },
      { id: 2, round: 2 },
    ]);
    expect(r.stopped).toBe('until');
  });

  it('works with verify() inside a step: refuted findings stay out and the loop ends', async () => {
    const { r, calls } = await converge(
      `
      return await converge(async (round) => {
        const candidates = ['real bug', 'false alarm', round > 1 ? 'second bug' : 'real bug'];
        const checked = await verify(candidates, { skeptics: 1 });
        return { accepted: checked.confirmed, rejected: checked.refuted };
      }, { maxRounds: 10 });`,
      (prompt) => ({ verdict: prompt.endsWith('false alarm') ? 'refuted' : 'valid', reason: 'r' }),
    );
    expect(r.items).toEqual(['real bug', 'second bug']);
    expect(r.rejected).toEqual(['false alarm']);
    expect(r.stopped).toBe('nothing_new');
    expect(r.rounds).toBe(3);
    expect(calls).toHaveLength(9);
  });

  it('refuses a step that returns something else, saying what it got', async () => {
    const run = await runScript(sandbox, "return await converge(() => 'text');", () => null);
    expect(run.outcome.ok).toBe(false);
    if (!run.outcome.ok) expect(run.outcome.error.message).toMatch(/step must return an array/);
  });

  it('hands the agent() options it is given (effort, agentType, …) to the step as state.agentOptions, a fresh copy each round', async () => {
    const { r, calls } = await converge(
      `return await converge(async (round, seen, state) => {
        const given = Object.keys(state.agentOptions).sort().join();
        state.agentOptions.effort = 'max';
        return [await agent('idea ' + round, { ...state.agentOptions, label: 'step ' + round }), given];
      }, { maxRounds: 2, effort: 'medium', agentType: 'general-purpose', until: (s) => s.agentOptions.effort !== 'medium' });`,
    );
    expect(r.items).toEqual(['idea 1', 'agentType,effort', 'idea 2']);
    expect(calls.map((c) => c.opts)).toEqual([
      { effort: 'max', agentType: 'general-purpose', label: 'step 1' },
      { effort: 'max', agentType: 'general-purpose', label: 'step 2' },
    ]);
  });

  it('without agent() options, state.agentOptions is empty', async () => {
    const { r } = await converge(
      "return await converge((round, seen, state) => ['options ' + JSON.stringify(state.agentOptions)], { maxRounds: 1 });",
    );
    expect(r.items).toEqual(['options {}']);
  });
});
