import { IsolatedVmSandbox } from '../../src/sandbox';
import { FakeHost, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox();

const FAN_OUT = `
  const schema = { type: 'object', properties: { bugs: { type: 'array', items: { type: 'string' } } } };
  const found = await parallel(args.files.map((f) => () => agent('Find bugs in ' + f, { label: f, tools: ['read_file'], schema })));
  return found.filter((r) => r && r.bugs.length > 0).length;
`;

describe('the agent boundary', () => {
  test('an agent call costs well under half a millisecond of CPU, host work and the whole run included', async () => {
    const files = Array.from({ length: 2000 }, (_, i) => `src/file-${i}.ts`);
    const host = (): FakeHost => new FakeHost({ answer: (seq) => ({ bugs: seq % 2 === 0 ? ['off by one'] : [] }) });
    // Warm up V8's compilers on both sides first: the figure of interest is the steady state.
    await sandbox.run(runOf(FAN_OUT, { host: host(), args: { files: files.slice(0, 500) } }));
    const before = process.cpuUsage();
    const outcome = await sandbox.run(runOf(FAN_OUT, { host: host(), args: { files }, limits: { maxAgents: files.length } }));
    const used = process.cpuUsage(before);
    expect(outcome).toEqual({ ok: true, result: 1000 });
    const perCallMs = (used.user + used.system) / 1000 / files.length;
    expect(perCallMs).toBeLessThan(0.5);
  });

  test('agent results and errors cross as copies', async () => {
    const shared = { list: [1] };
    const host = new FakeHost({ answer: () => shared });
    const outcome = await sandbox.run(runOf("const a = await agent('x'); a.list.push(2); const b = await agent('y'); return [a, b];", { host }));
    expect(outcome).toEqual({ ok: true, result: [{ list: [1, 2] }, { list: [1] }] });
    expect(shared).toEqual({ list: [1] });
  });
});
