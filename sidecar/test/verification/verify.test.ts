import type { IsolatedVmSandbox } from '../../src/sandbox';
import { newSandbox, runScript, voterOf, type Call } from './run-script';

interface VerifyResult {
  confirmed: string[];
  refuted: string[];
  unverified: string[];
  evidence: { finding: string; status: string; verdicts: { skeptic: number; verdict: string | null; reason: string | null }[] }[];
  rounds: number;
  skeptics: number;
}

type Verdict = 'valid' | 'refuted' | null;

/** Skeptic n (1-based) of finding "F<i>" answers plan[i][n - 1]; past the plan, the last entry. */
const planned =
  (plan: Record<string, readonly Verdict[]>) =>
  (call: Call): unknown => {
    const finding = /Finding: (F\d+)/.exec(call.prompt)![1];
    const verdicts = plan[finding];
    const v = verdicts[Math.min(voterOf(call.prompt), verdicts.length) - 1];
    return v === null ? null : { verdict: v, reason: `skeptic says ${v}` };
  };

describe('verify', () => {
  let sandbox: IsolatedVmSandbox;
  beforeAll(() => {
    sandbox = newSandbox();
  });
  afterAll(() => sandbox.dispose());

  const verify = async (findings: readonly string[], options: string, plan: Record<string, readonly Verdict[]>) => {
    const run = await runScript(sandbox, `return await verify(args.findings, ${options});`, planned(plan), { args: { findings } });
    if (!run.outcome.ok) throw new Error(JSON.stringify(run.outcome.error));
    return { ...run, r: run.result as VerifyResult };
  };

  it('confirms by majority and refutes by majority, asking every skeptic for a verdict schema', async () => {
    const { r, calls, rounds } = await verify(['F1', 'F2', 'F3'], '{}', {
      F1: ['valid', 'valid', 'refuted'],
      F2: ['refuted', 'valid', 'refuted'],
      F3: ['valid', 'valid', 'valid'],
    });
    expect(r.confirmed).toEqual(['F1', 'F3']);
    expect(r.refuted).toEqual(['F2']);
    expect(r.unverified).toEqual([]);
    expect(calls).toHaveLength(9);
    expect(calls[0].opts.schema).toMatchObject({ properties: { verdict: { enum: ['valid', 'refuted'] } } });
    expect(calls[0].prompt).toMatch(/refute/i);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatchObject({ helper: 'verify', round: 1, survivors: 2 });
  });

  it('makes a finding unverified, never refuted, when failed skeptics leave the quorum open', async () => {
    const { r } = await verify(['F1', 'F2', 'F3', 'F4'], '{}', {
      F1: ['valid', null, 'refuted'], // the failed one could have confirmed it
      F2: [null, null, 'refuted'], // one refutation is not a majority
      F3: ['valid', 'valid', null], // the quorum of 2 is met
      F4: ['refuted', null, 'refuted'], // refuted even if the failed one had said valid
    });
    expect(r.unverified).toEqual(['F1', 'F2']);
    expect(r.confirmed).toEqual(['F3']);
    expect(r.refuted).toEqual(['F4']);
    expect(r.evidence[1].verdicts.map((v) => v.verdict)).toEqual([null, null, 'refuted']);
  });

  it('all skeptics failing leaves every finding unverified', async () => {
    const { r } = await verify(['F1', 'F2'], '{}', { F1: [null], F2: [null] });
    expect(r.unverified).toEqual(['F1', 'F2']);
    expect(r.refuted).toEqual([]);
  });

  it('honours an explicit quorum (unanimity)', async () => {
    const { r } = await verify(['F1', 'F2', 'F3'], '{ quorum: 3 }', {
      F1: ['valid', 'valid', 'valid'],
      F2: ['valid', 'valid', 'refuted'],
      F3: ['valid', 'valid', null],
    });
    expect(r.confirmed).toEqual(['F1']);
    expect(r.refuted).toEqual(['F2']);
    expect(r.unverified).toEqual(['F3']);
  });

  it('starts every skeptic of a round at once, across findings', async () => {
    const findings = Array.from({ length: 10 }, (_, i) => `F${i + 1}`);
    const plan = Object.fromEntries(findings.map((f) => [f, ['valid'] as Verdict[]]));
    const run = await runScript(sandbox, 'return await verify(args.findings);', planned(plan), { args: { findings }, delayMs: () => 20 });
    expect(run.calls).toHaveLength(30);
    expect(run.maxPending).toBe(30);
  });

  it('with maxSkeptics, asks more skeptics only for findings that are not settled by margin', async () => {
    const { r, calls, rounds } = await verify(['F1', 'F2', 'F3'], '{ margin: 3, maxSkeptics: 9 }', {
      F1: ['valid', 'valid', 'valid'], // settled in round 1
      F2: ['valid', 'refuted', 'valid', 'valid', 'valid'], // 2–1, then two more: 4–1
      F3: ['refuted', 'valid'], // 1–2 and then all valid: 2 more, then 2 more …
    });
    const asked = (f: string) => calls.filter((c) => c.prompt.endsWith(`Finding: ${f}`)).length;
    expect(asked('F1')).toBe(3);
    expect(asked('F2')).toBe(5);
    expect(asked('F3')).toBeLessThanOrEqual(9);
    expect(r.confirmed).toEqual(['F1', 'F2', 'F3']);
    expect(r.skeptics).toBe(calls.length);
    expect(rounds.length).toBe(r.rounds);
    expect(rounds[0].detail).toMatchObject({ findings: 3, settled: 1, pending: 2 });
  });

  it('replaces failed skeptics when it may ask more', async () => {
    const { r, calls } = await verify(['F1'], '{ maxSkeptics: 5 }', { F1: ['valid', null, 'refuted', 'valid'] });
    expect(calls).toHaveLength(4);
    expect(r.confirmed).toEqual(['F1']);
  });

  it('describes object findings for the skeptics and returns the findings themselves', async () => {
    const findings = [
      { file: 'a.ts', issue: 'F1' },
      { file: 'b.ts', issue: 'F2' },
    ];
    const run = await runScript(
      sandbox,
      "return await verify(args.findings, { describe: (f) => f.file + ': ' + f.issue, context: 'Auditing the auth module.', skeptics: 1 });",
      (call) => ({ verdict: call.prompt.includes('a.ts') ? 'valid' : 'refuted', reason: 'r' }),
      { args: { findings } },
    );
    const r = run.result as VerifyResult;
    expect(r.confirmed).toEqual([findings[0]]);
    expect(r.refuted).toEqual([findings[1]]);
    expect(run.calls[0].prompt.startsWith('Auditing the auth module.')).toBe(true);
    expect(run.calls[0].prompt).toMatch(/Finding: a\.ts: F1$/);
  });

  it('does nothing for no findings', async () => {
    const { r, calls, rounds } = await verify([], '{}', {});
    expect(r).toMatchObject({ confirmed: [], refuted: [], unverified: [], rounds: 0, skeptics: 0 });
    expect(calls).toHaveLength(0);
    expect(rounds).toHaveLength(0);
  });

  it('passes effort and agentType to every skeptic, beside its verdict schema', async () => {
    const { calls } = await verify(['F1', 'F2'], "{ skeptics: 2, effort: 'low', agentType: 'general-purpose' }", {
      F1: ['valid'],
      F2: ['refuted'],
    });
    expect(calls).toHaveLength(4);
    for (const c of calls) {
      expect(c.opts).toMatchObject({ effort: 'low', agentType: 'general-purpose', schema: expect.objectContaining({ type: 'object' }) });
    }
  });
});
