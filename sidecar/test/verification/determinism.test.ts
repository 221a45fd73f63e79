import { createHash } from 'node:crypto';
import type { IsolatedVmSandbox } from '../../src/sandbox';
import { quizAnswer, quizBank, type QuizKnobs } from '../../src/verification/quiz';
import { newSandbox, runScript, type Call } from './run-script';

const KNOBS: QuizKnobs = { errorRate: 0.35, correlated: false, seed: 21 };
const bank = quizBank(21, { open: 12, findings: 12 });

/** The offline quiz model, answered in-process. */
const quiz = (call: Call): unknown => {
  const r = quizAnswer(
    { prompt: call.prompt, system: call.opts.system, wants: call.opts.schema ? { schema: call.opts.schema } : 'text' },
    KNOBS,
  );
  return r === null ? null : 'text' in r ? r.text : r.json;
};
const callKey = (c: Call): string => JSON.stringify([c.prompt, c.opts]);
const hashDelay =
  (salt: string) =>
  (c: Call): number =>
    parseInt(
      createHash('sha256')
        .update(salt + callKey(c))
        .digest('hex')
        .slice(0, 4),
      16,
    ) % 15;

const SCRIPT = `
  const answers = [];
  for (const q of args.questions) answers.push(await consensus(q, { maxAgents: 9 }));
  const checked = await verify(args.findings, { margin: 3, maxSkeptics: 9 });
  const loop = await converge(async (round, seen) => {
    const r = await consensus(args.questions[round % args.questions.length], { n: 3, label: 'loop' });
    return [r.answer];
  }, { maxRounds: 4 });
  return { answers: answers.map((a) => [a.answer, a.agents]), status: checked.evidence.map((e) => e.status), loop: loop.items };
`;
const ARGS = { questions: bank.open.map((q) => q.prompt), findings: bank.findings.map((f) => f.text) };

describe('determinism of the verification helpers', () => {
  let sandbox: IsolatedVmSandbox;
  beforeAll(() => {
    sandbox = newSandbox();
  });
  afterAll(() => sandbox.dispose());

  it('issues identical agent() calls in identical order on every run, however the answers are timed', async () => {
    const first = await runScript(sandbox, SCRIPT, quiz, { args: ARGS });
    const second = await runScript(sandbox, SCRIPT, quiz, { args: ARGS, delayMs: hashDelay('a') });
    const third = await runScript(sandbox, SCRIPT, quiz, { args: ARGS, delayMs: hashDelay('b') });
    expect(first.outcome.ok).toBe(true);
    // Escalation happened, so the test covers later rounds too.
    expect(first.rounds.filter((e) => e.helper === 'verify').length).toBeGreaterThan(1);
    const sequence = (run: typeof first) => run.calls.map((c) => [c.seq, callKey(c)]);
    expect(sequence(second)).toEqual(sequence(first));
    expect(sequence(third)).toEqual(sequence(first));
    expect(second.result).toEqual(first.result);
    expect(third.rounds).toEqual(first.rounds);
  });

  it('replays from recorded answers with the same verdicts and no new calls', async () => {
    const journal = new Map<string, unknown[]>();
    const recorded = await runScript(
      sandbox,
      SCRIPT,
      (call) => {
        const value = quiz(call);
        const key = callKey(call);
        journal.set(key, [...(journal.get(key) ?? []), value]);
        return value;
      },
      { args: ARGS },
    );
    const unmatched: Call[] = [];
    const used = new Map<string, number>();
    const replayed = await runScript(
      sandbox,
      SCRIPT,
      (call) => {
        const key = callKey(call);
        const n = used.get(key) ?? 0;
        used.set(key, n + 1);
        const entries = journal.get(key);
        if (!entries || n >= entries.length) {
          unmatched.push(call);
          return null;
        }
        return entries[n];
      },
      { args: ARGS, delayMs: hashDelay('replay') },
    );
    expect(unmatched).toEqual([]);
    expect(replayed.calls).toHaveLength(recorded.calls.length);
    expect(replayed.result).toEqual(recorded.result);
  });

  it('concurrent helpers issue the same set of calls and reach the same answers under any timing', async () => {
    const script = 'const r = await parallel(args.questions.map((q) => () => consensus(q))); return r.map((x) => x.answer);';
    const a = await runScript(sandbox, script, quiz, { args: ARGS, delayMs: hashDelay('x') });
    const b = await runScript(sandbox, script, quiz, { args: ARGS, delayMs: hashDelay('y') });
    expect(b.result).toEqual(a.result);
    expect(b.calls.map(callKey).sort()).toEqual(a.calls.map(callKey).sort());
  });
});
