import { structuredOutput } from '../../src/agents/structured-output';
import { defineTool } from '../../src/tools/define';

describe('schema patterns run in linear time', () => {
  it('a catastrophic pattern is answered at once, right or wrong', () => {
    const so = structuredOutput({ type: 'object', properties: { s: { type: 'string', pattern: '^(a*)*b$' } }, required: ['s'] });
    const t0 = performance.now();
    const bad = so.validate({ s: `${'a'.repeat(25)}!` });
    const elapsed = performance.now() - t0;
    expect(bad).toMatchObject({ ok: false, errors: expect.stringContaining('must match pattern') });
    expect(so.validate({ s: 'aaab' })).toEqual({ ok: true, value: { s: 'aaab' } });
    // The backtracking engine took seconds on this input; the bound is loose on purpose.
    expect(elapsed).toBeLessThan(1_000);
  });

  it('patternProperties use the same engine', () => {
    const so = structuredOutput({ type: 'object', patternProperties: { '^(x+x+)+y$': { type: 'number' } } });
    expect(so.validate({ [`${'x'.repeat(30)}y`]: 'not a number' }).ok).toBe(false);
    expect(so.validate({ [`${'x'.repeat(30)}!`]: 'anything' }).ok).toBe(true);
  });

  it.each([
    ['(a)\\1', 'backreference'],
    ['(?=a)b', 'lookahead'],
    ['(?<!a)b', 'lookbehind'],
  ])('%s (%s) is a clear schema error', (pattern) => {
    expect(() => structuredOutput({ type: 'string', pattern })).toThrow(
      /agent\(\) schema is not a valid JSON Schema: pattern .* is not supported: .*no backreferences or lookarounds/,
    );
  });

  it('a tool schema gets the same engine', async () => {
    const tool = defineTool<{ s: string }>({
      name: 't',
      description: 'd',
      inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a|a)*$' } }, required: ['s'] },
      run: async (input) => input.s,
    });
    await expect(tool.run({ s: `${'a'.repeat(40)}!` }, { workspaceDir: null, allowWrite: false, allowedHosts: [] })).rejects.toThrow(
      /must match pattern/,
    );
  });
});
