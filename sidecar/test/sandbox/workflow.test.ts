import { IsolatedVmSandbox } from '../../src/sandbox';
import { FakeHost, failure, ok, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox();
afterAll(() => sandbox.dispose());

const CHILD = `export const meta = { name: 'child' };
const n = await agent('child ' + args.topic);
args.topic = 'changed by the child';
return { got: n, argsType: typeof args };`;

describe('workflow() in the sandbox', () => {
  test("the child runs with its own args copy, numbers its agents after the parent's, and returns its value", async () => {
    const host = new FakeHost({ workflows: { child: CHILD } });
    const outcome = await sandbox.run(
      runOf(
        `const first = await agent('parent first');
        const input = { topic: 'tides' };
        const r = await workflow('child', input);
        const last = await agent('parent last');
        return { first, r, input, last, argsOfParent: args };`,
        { host, args: ['parent', 'args'] },
      ),
    );
    expect(ok(outcome)).toEqual({
      first: 'answer:parent first',
      r: { got: 'answer:child tides', argsType: 'object' },
      input: { topic: 'tides' },
      last: 'answer:parent last',
      argsOfParent: ['parent', 'args'],
    });
    expect(host.calls.map((c) => [c.seq, c.prompt])).toEqual([
      [1, 'parent first'],
      [2, 'child tides'],
      [3, 'parent last'],
    ]);
    expect(host.timeline.filter((t) => t.startsWith('workflow:'))).toEqual(['workflow:child']);
  });

  test('a child without args sees undefined and may declare its own `args` and `workflow`', async () => {
    const host = new FakeHost({ workflows: { own: 'const args = 1; const workflow = 2; return { args, workflow };' } });
    expect(ok(await sandbox.run(runOf(`return await workflow('own', { a: 1 });`, { host })))).toEqual({ args: 1, workflow: 2 });
    const plain = new FakeHost({ workflows: { bare: 'return { seen: typeof args };' } });
    expect(ok(await sandbox.run(runOf(`return await workflow('bare');`, { host: plain })))).toEqual({ seen: 'undefined' });
  });

  test('one level: a child calling workflow() rejects with workflow_nesting, which the parent may catch or let end the run', async () => {
    const workflows = { outer: `return await workflow('inner');`, inner: `return 1;` };
    const caught = await sandbox.run(
      runOf(`try { await workflow('outer'); return 'no'; } catch (e) { return [e.code, e.message]; }`, {
        host: new FakeHost({ workflows }),
      }),
    );
    expect(ok(caught)).toEqual(['workflow_nesting', expect.stringMatching(/one level of nesting only/)]);
    const uncaught = await sandbox.run(runOf(`return await workflow('outer');`, { host: new FakeHost({ workflows }) }));
    expect(failure(uncaught).code).toBe('workflow_nesting');
  });

  test("the host's refusal keeps its code: caught by the parent, null in parallel(), the run's error when nothing catches it", async () => {
    const host = new FakeHost({ workflows: { child: CHILD } });
    const outcome = await sandbox.run(
      runOf(
        `const caught = await workflow('missing').catch((e) => e.code);
        const list = await parallel([() => workflow('missing'), () => workflow('child', { topic: 'moss' })]);
        return { caught, list };`,
        { host },
      ),
    );
    expect(ok(outcome)).toEqual({ caught: 'workflow_not_found', list: [null, { got: 'answer:child moss', argsType: 'object' }] });
    const uncaught = await sandbox.run(runOf(`return await workflow({ scriptPath: 'lib/none.js' });`, { host }));
    expect(failure(uncaught)).toEqual({ code: 'workflow_not_found', message: 'No saved workflow named "lib/none.js"' });
  });

  test('what the child throws rejects the parent with that error; uncaught, the run fails with script_error', async () => {
    const host = new FakeHost({ workflows: { thrower: `await agent('first');\nthrow new RangeError('child broke');` } });
    const caught = await sandbox.run(runOf(`try { await workflow('thrower'); } catch (e) { return e.name + ': ' + e.message; }`, { host }));
    expect(ok(caught)).toBe('RangeError: child broke');
    const uncaught = failure(await sandbox.run(runOf(`\nreturn await workflow('thrower');`, { host })));
    expect(uncaught.code).toBe('script_error');
    expect(uncaught.message).toMatch(/^RangeError: child broke/);
  });

  test.each([
    ['a number', 'workflow(42)', /workflow\(nameOrRef, args\?\): nameOrRef must be/],
    ['an empty name', "workflow('')", /nameOrRef must be/],
    ['an object with other keys', "workflow({ scriptPath: 'a.js', name: 'x' })", /nameOrRef must be/],
    ['args that are not JSON', "workflow('child', { n: 1n })", /args must be JSON/],
  ])('%s is a TypeError before anything reaches the host', async (_what, call, message) => {
    const host = new FakeHost({ workflows: { child: CHILD } });
    const outcome = await sandbox.run(runOf(`try { await ${call}; } catch (e) { return e.name + ': ' + e.message; }`, { host }));
    expect(ok(outcome)).toMatch(message);
    expect(host.timeline).toEqual([]);
  });

  test('a child that loops forever ends the run with cpu_limit, and one that fails the check is script_invalid to the parent', async () => {
    const host = new FakeHost({ workflows: { spin: 'for (;;) {}', broken: 'return (;' } });
    expect(failure(await sandbox.run(runOf(`return await workflow('spin');`, { host, limits: { cpuMs: 200 } }))).code).toBe('cpu_limit');
    const broken = await sandbox.run(runOf(`return await workflow('broken').catch((e) => e.code);`, { host }));
    expect(ok(broken)).toBe('script_invalid');
  });

  test('the agent limit counts the child agents with the parent ones', async () => {
    const host = new FakeHost({ workflows: { two: `await agent('c1'); await agent('c2'); return 2;` } });
    const outcome = await sandbox.run(runOf(`await agent('p1'); return await workflow('two');`, { host, limits: { maxAgents: 2 } }));
    expect(failure(outcome).code).toBe('agent_limit');
    expect(host.calls.map((c) => c.prompt)).toEqual(['p1', 'c1']);
  });
});

test('workflow() calls are bounded by the run’s maxAgents: workflow_limit ends the run, even inside parallel()', async () => {
  const host = new FakeHost({ workflows: {} });
  const outcome = await sandbox.run(runOf(`for (;;) await parallel([() => workflow('missing')]);`, { host, limits: { maxAgents: 5 } }));
  expect(failure(outcome)).toEqual({
    code: 'workflow_limit',
    message: 'workflow() limit reached: a run may call workflow() at most 5 times (its maxAgents)',
  });
  expect(host.timeline.filter((t) => t.startsWith('workflow:'))).toHaveLength(5);
});
