import { parse } from 'acorn';
import { brokenPlan, planFor, repairPlan } from '../../src/offline/plans';
import { SeededRandom } from '../../src/offline/random';
import { valueForSchema } from '../../src/offline/schema-value';
import { runScript, type ScriptCall } from './helpers';

function parsesAsScript(script: string): void {
  parse(script, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: true });
}

/** A stand-in agent: schema answers from the offline generator, text otherwise, and `fail` prompts fail. */
function fakeAgent(fail: (c: ScriptCall) => boolean = () => false) {
  return (c: ScriptCall): unknown => {
    if (fail(c)) return null;
    if (c.opts.schema) return valueForSchema(c.opts.schema, { rnd: new SeededRandom(c.prompt), topic: 'test', files: [] });
    return `answer to ${c.prompt.slice(0, 20)}`;
  };
}

describe('planFor', () => {
  test.each([
    ['Fan out 12 agents to summarise the docs', 'fan-out'],
    ['Ask 7 parallel agents for a haiku', 'fan-out'],
    ['Audit the auth module for security bugs', 'audit'],
    ['Review these files', 'audit'],
    ['Research the history of the transistor', 'research'],
    ['Why is the sky blue?', 'research'],
    ['Plan a team offsite', 'generic'],
  ])('%s -> %s', (task, kind) => {
    expect(planFor(task).kind).toBe(kind);
  });

  test('every plan, the repair plan and their summaries are valid scripts', () => {
    for (const task of ['fan out 3', 'audit files', 'research x', 'do something', 'quotes \' " ` ${x} \\ and\nnewlines']) {
      for (const plan of [planFor(task), repairPlan(task)]) {
        expect(() => parsesAsScript(plan.script)).not.toThrow();
        expect(plan.summary.length).toBeGreaterThan(10);
        expect(plan.script).not.toMatch(/Math\.random|Date\.now|new Date|require\(|import\(/);
      }
    }
  });

  test('a task with quotes, backticks and ${} is embedded as data, not code', async () => {
    const task = 'Plan `x` ${globalThis.boom} "quoted" \\ done';
    const { calls } = await runScript(planFor(task).script, null, fakeAgent());
    expect(calls[0].prompt.startsWith(task)).toBe(true);
  });
});

describe('the plans run against stand-in globals', () => {
  test('fan-out issues exactly N agents, each with its own prompt, and counts failures', async () => {
    const { result, calls, phases } = await runScript(
      planFor('fan out 5 agents').script,
      {},
      fakeAgent((c) => c.opts.label === 'agent 2'),
    );
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((c) => c.prompt)).size).toBe(5);
    expect(phases).toEqual(['fan-out', 'collect']);
    expect(result).toMatchObject({ agents: 5, succeeded: 4, failed: 1 });
  });

  test('fan-out takes its count from args.n when given', async () => {
    const { calls } = await runScript(planFor('fan out 5 agents').script, { n: 2 }, fakeAgent());
    expect(calls).toHaveLength(2);
  });

  test('audit scans each file with a schema, then verifies every finding with its own agent', async () => {
    const files = ['a.ts', 'b.ts', 'c.ts'];
    const { result, calls, phases } = await runScript(
      planFor('Audit these files').script,
      { files },
      fakeAgent((c) => c.opts.label === 'scan b.ts'),
    );
    const scans = calls.filter((c) => c.opts.label?.startsWith('scan '));
    expect(scans.map((c) => c.opts.label)).toEqual(files.map((f) => `scan ${f}`));
    expect(scans.every((c) => c.opts.schema !== undefined)).toBe(true);
    const r = result as { scanned: number; failedScans: number; candidates: number; confirmed: { file: string }[]; refuted: number };
    expect(r.scanned).toBe(3);
    expect(r.candidates).toBeGreaterThan(0);
    expect(r.failedScans).toBe(1);
    expect(calls.filter((c) => c.opts.label?.startsWith('verify '))).toHaveLength(r.candidates);
    expect(r.confirmed.length + r.refuted).toBe(r.candidates);
    expect(r.confirmed.every((f) => f.file === 'a.ts' || f.file === 'c.ts')).toBe(true);
    expect(phases).toEqual(['scan', 'verify']);
  });

  test('audit hands findings to the verify helper when the runtime has one', async () => {
    const verify = jest.fn(async (items: unknown[]) => ({
      confirmed: items.slice(0, 1),
      refuted: items.slice(1),
      unverified: [],
      evidence: [],
    }));
    const { result, calls } = await runScript(planFor('Audit these files').script, { files: ['a.ts'] }, fakeAgent(), { verify });
    expect(verify).toHaveBeenCalledTimes(1);
    expect(calls.filter((c) => c.opts.label?.startsWith('verify '))).toHaveLength(0);
    const r = result as { candidates: number; confirmed: unknown[]; refuted: number };
    expect(r.confirmed.length + r.refuted).toBe(r.candidates);
  });

  test('research explores every angle, then summarises only the answers that came back', async () => {
    const { result, calls } = await runScript(
      planFor('Research solar storms').script,
      { question: 'How often do solar storms hit?' },
      fakeAgent((c) => c.opts.label === 'the strongest evidence for'),
    );
    const summary = calls.find((c) => c.opts.label === 'summary');
    expect(summary?.prompt).toContain('How often do solar storms hit?');
    expect(summary?.prompt).not.toContain('## the strongest evidence for');
    expect(result).toMatchObject({ angles: 4, answered: 3, question: 'How often do solar storms hit?' });
  });

  test('the generic plan explores, critiques each surviving draft and synthesises, using args', async () => {
    const { result, calls, phases } = await runScript(
      planFor('Plan a team offsite').script,
      { city: 'Lisbon' },
      fakeAgent((c) => c.opts.label === 'explore: risks and edge cases'),
    );
    expect(phases).toEqual(['explore', 'critique', 'synthesise']);
    expect(calls.filter((c) => c.opts.label?.startsWith('explore')).every((c) => c.prompt.includes('Lisbon'))).toBe(true);
    expect(calls.filter((c) => c.opts.label?.startsWith('critique'))).toHaveLength(2);
    expect(result).toMatchObject({ drafts: 2, angles: 3 });
    expect(typeof (result as { result: unknown }).result).toBe('string');
  });

  test('the repair plan is one agent that gets the task and the input', async () => {
    const { result, calls } = await runScript(repairPlan('Sort the list').script, { list: [3, 1] }, fakeAgent());
    expect(calls).toHaveLength(1);
    expect(calls[0].prompt).toContain('Sort the list');
    expect(calls[0].prompt).toContain('[3,1]');
    expect(result).toEqual({ answer: expect.any(String) });
  });
});

describe('broken plans', () => {
  test('syntax does not parse', () => {
    expect(() => parsesAsScript(brokenPlan('syntax').script)).toThrow();
  });

  test('determinism calls Math.random and throw fails at run time', async () => {
    expect(brokenPlan('determinism').script).toContain('Math.random()');
    parsesAsScript(brokenPlan('throw').script);
    await expect(runScript(brokenPlan('throw').script, {}, fakeAgent())).rejects.toThrow('deliberate failure');
  });
});
