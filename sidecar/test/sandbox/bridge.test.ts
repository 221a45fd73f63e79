import { IsolatedVmSandbox } from '../../src/sandbox';
import { FakeHost, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox();

const FAN_OUT = `
  const schema = { type: 'object', properties: { bugs: { type: 'array', items: { type: 'string' } } } };
  const found = await parallel(args.files.map((f) => () => agent('Find bugs in ' + f, { label: f, tools: ['read_file'], schema })));
  return found.filter((r) => r && r.bugs.length > 0).length;
`;

describe('the agent boundary', () => {
  // The CPU cost per call is a figure in `npm run bench` (src/bench/boundary.ts), not an assert.
  test('2,000 agent calls cross the boundary: each once, in order, with its prompt and options, and every answer comes back', async () => {
    const files = Array.from({ length: 2000 }, (_, i) => `src/file-${i}.ts`);
    const host = new FakeHost({ answer: (seq) => ({ bugs: seq % 2 === 0 ? ['off by one'] : [] }) });
    const outcome = await sandbox.run(runOf(FAN_OUT, { host, args: { files }, limits: { maxAgents: files.length } }));
    expect(outcome).toEqual({ ok: true, result: 1000 });
    expect(host.calls.map((c) => c.seq)).toEqual(files.map((_, i) => i + 1));
    expect(host.calls.map((c) => c.prompt)).toEqual(files.map((f) => `Find bugs in ${f}`));
    for (const [i, c] of host.calls.entries()) expect(c.opts).toMatchObject({ label: files[i], tools: ['read_file'] });
  });

  test('agent results and errors cross as copies', async () => {
    const shared = { list: [1] };
    const host = new FakeHost({ answer: () => shared });
    const outcome = await sandbox.run(
      runOf("const a = await agent('x'); a.list.push(2); const b = await agent('y'); return [a, b];", { host }),
    );
    expect(outcome).toEqual({ ok: true, result: [{ list: [1, 2] }, { list: [1] }] });
    expect(shared).toEqual({ list: [1] });
  });
});
