import type { IsolatedVmSandbox } from '../../src/sandbox';
import { newSandbox, runScript, voterOf, type Call } from './run-script';

interface ConsensusResult {
  answer: unknown;
  agreement: number | null;
  decided: boolean;
  votes: { answer: unknown; count: number }[];
  agents: number;
  failed: number;
  rounds: number;
  evidence: { agent: number; angle: string | null; answer: unknown; counted: boolean }[];
}

/** Answers by voter number: answers[i] for voter i + 1 (null: the agent failed). */
const byVoter =
  (answers: readonly unknown[]) =>
  (call: Call): unknown =>
    answers[voterOf(call.prompt) - 1];

describe('consensus', () => {
  let sandbox: IsolatedVmSandbox;
  beforeAll(() => {
    sandbox = newSandbox();
  });
  afterAll(() => sandbox.dispose());

  const consensus = async (options: string, answers: readonly unknown[]) => {
    const run = await runScript(sandbox, `return await consensus('What is 6 × 7?', ${options});`, byVoter(answers));
    if (!run.outcome.ok) throw new Error(JSON.stringify(run.outcome.error));
    return { ...run, r: run.result as ConsensusResult };
  };

  it('stops after the first round when the agents agree', async () => {
    const { r, calls, rounds } = await consensus('{}', ['42', '42', '42', '42', '42']);
    expect(calls).toHaveLength(3);
    expect(r).toMatchObject({ answer: '42', agreement: 1, decided: true, agents: 3, rounds: 1, failed: 0 });
    expect(rounds).toEqual([expect.objectContaining({ helper: 'consensus', round: 1, agreement: 1, survivors: 1 })]);
  });

  it('asks more agents while the answers disagree, and only as many as could decide it', async () => {
    // 2–1 after round 1: two more agreeing votes give the lead of 3 that decides.
    const { r, calls, rounds } = await consensus('{}', ['42', '41', '42', '42', '42', '42', '42']);
    expect(calls).toHaveLength(5);
    expect(r).toMatchObject({ answer: '42', decided: true, agents: 5, rounds: 2 });
    expect(r.votes).toEqual([
      { answer: '42', count: 4 },
      { answer: '41', count: 1 },
    ]);
    expect(rounds.map((e) => e.round)).toEqual([1, 2]);
    expect(rounds[0].agreement).toBeCloseTo(2 / 3, 10);
    expect(rounds[1].agreement).toBeCloseTo(4 / 5, 10);
    const cheaper = await consensus('{ margin: 2 }', ['42', '41', '42', '42']);
    expect(cheaper.calls).toHaveLength(4);
  });

  it('starts with minAgents and needs quorum votes for the winner', async () => {
    const five = await consensus('{ minAgents: 5 }', ['42', '42', '42', '42', '42', '42']);
    expect(five.calls).toHaveLength(5);
    expect(five.r.rounds).toBe(1);
    const quorum = await consensus('{ margin: 1, quorum: 4 }', ['42', '42', '42', '42', '42']);
    expect(quorum.calls).toHaveLength(4);
    expect(quorum.r).toMatchObject({ decided: true, rounds: 2 });
  });

  it('gives up undecided at maxAgents, with the leading answer', async () => {
    const answers = ['1', '2', '3', '1', '2', '3', '1', '2', '3', '1', '2', '3'];
    const { r, calls } = await consensus('{ maxAgents: 7 }', answers);
    expect(calls).toHaveLength(7);
    expect(r.decided).toBe(false);
    expect(r.agents).toBe(7);
    expect(r.answer).toBe('1');
    expect(r.votes[0]).toEqual({ answer: '1', count: 3 });
  });

  it('compares answers without case, spacing, punctuation or thousands separators', async () => {
    const { r, calls } = await consensus('{}', ['**1,888**', '1888.', ' 1888\n', '1889']);
    expect(calls).toHaveLength(3);
    expect(r.votes).toEqual([{ answer: '**1,888**', count: 3 }]);
    const decimals = await consensus('{ n: 3 }', ['3.5', '35', '-35']);
    expect(decimals.r.votes.map((v) => v.count)).toEqual([1, 1, 1]);
  });

  it('does not count failed agents as votes, but lists them in the evidence', async () => {
    const { r, calls } = await consensus('{}', [null, '42', '42', '42', '42']);
    // 2–0 is short of the margin of 3: one more agent is asked.
    expect(calls).toHaveLength(4);
    expect(r).toMatchObject({ answer: '42', agents: 4, failed: 1, decided: true });
    expect(r.evidence[0]).toEqual({ agent: 1, angle: null, answer: null, counted: false });
  });

  it('gives every agent a distinct prompt, with its angle when angles are given', async () => {
    const { calls } = await consensus("{ n: 5, angles: ['algebra', 'counting'], label: 'q' }", ['1', '2', '3', '4', '5']);
    expect(new Set(calls.map((c) => c.prompt)).size).toBe(5);
    expect(calls[0].prompt).toMatch(/approach: algebra/);
    expect(calls[1].prompt).toMatch(/approach: counting/);
    expect(calls[2].prompt).toMatch(/approach: algebra/);
    expect(calls.map((c) => c.opts.label)).toEqual(['q #1', 'q #2', 'q #3', 'q #4', 'q #5']);
  });

  it('compares schema answers by a named field or a key function', async () => {
    const answers = [
      { value: 7, why: 'a' },
      { value: 7, why: 'b' },
      { value: 7, why: 'c' },
    ];
    const byField = await consensus("{ schema: { type: 'object' }, key: 'value' }", answers);
    expect(byField.r).toMatchObject({ decided: true, agents: 3, answer: { value: 7, why: 'a' } });
    expect(byField.calls[0].opts.schema).toEqual({ type: 'object' });
    const whole = await consensus('{ n: 3 }', answers);
    expect(whole.r.votes).toHaveLength(3);
    const byFn = await consensus('{ key: (a) => a.value % 2 }', [{ value: 1 }, { value: 3 }, { value: 5 }]);
    expect(byFn.r.decided).toBe(true);
    const oneField = await consensus("{ schema: { type: 'object', properties: { value: { type: 'integer' } } } }", answers);
    expect(oneField.r.decided).toBe(true);
  });

  it('asks for a key when schema answers have several fields', async () => {
    const run = await runScript(
      sandbox,
      "return await consensus('q', { schema: { type: 'object', properties: { answer: { type: 'string' }, reason: { type: 'string' } } } });",
      () => ({ answer: 'x', reason: 'y' }),
    );
    expect(run.outcome.ok).toBe(false);
    if (!run.outcome.ok) expect(run.outcome.error.message).toMatch(/need key: the field to compare, e\.g\. key: "answer"/);
    expect(run.calls).toHaveLength(0);
  });

  it('refuses unknown or out-of-range options, naming them', async () => {
    const bad = async (options: string) => {
      const run = await runScript(sandbox, `return await consensus('q', ${options});`, () => 'x');
      return run.outcome.ok ? '' : run.outcome.error.message;
    };
    expect(await bad('{ maxAgent: 3 }')).toMatch(/unknown option "maxAgent"/);
    expect(await bad('{ maxAgents: 0 }')).toMatch(/maxAgents/);
    expect(await bad('{ minAgents: 9, maxAgents: 5 }')).toMatch(/minAgents/);
    expect(await bad("{ angles: 'one' }")).toMatch(/angles/);
  });

  it('passes effort and agentType to every agent it asks, and refuses an effort agent() does not know', async () => {
    const { calls } = await consensus("{ n: 3, effort: 'high', agentType: 'general-purpose', model: 'haiku' }", ['42', '42', '42']);
    expect(calls.map((c) => c.opts)).toEqual(
      [1, 2, 3].map((i) => ({ effort: 'high', agentType: 'general-purpose', model: 'haiku', label: `consensus #${i}` })),
    );
    const run = await runScript(sandbox, "return await consensus('q', { effort: 'extreme' });", () => 'x');
    expect(run.outcome.ok ? '' : run.outcome.error.message).toMatch(/opts\.effort must be one of 'low', 'medium', 'high', 'max'/);
  });
});
