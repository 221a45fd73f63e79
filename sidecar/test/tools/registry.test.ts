import { ToolNotAllowedError, ValidationError } from '../../src/errors/errors';
import { BUILTIN_TOOL_NAMES, BUILTIN_TOOLS, runTool, toolDefinitionsFor } from '../../src/tools';
import { makeFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
  fx.write('a.txt', 'alpha\n');
});
afterEach(() => fx.cleanup());

describe('tool registry', () => {
  it('has the five built-in tools', () => {
    expect([...BUILTIN_TOOL_NAMES].sort()).toEqual(['grep', 'http_get', 'list_files', 'read_file', 'write_file']);
    for (const name of BUILTIN_TOOL_NAMES) expect(BUILTIN_TOOLS[name].name).toBe(name);
  });

  it('returns Messages API tool entries for the names asked for, in order', () => {
    const defs = toolDefinitionsFor(['grep', 'read_file', 'grep']);
    expect(defs.map((d) => d.name)).toEqual(['grep', 'read_file']);
    for (const d of defs) {
      expect(Object.keys(d).sort()).toEqual(['description', 'input_schema', 'name']);
      expect(d.input_schema.type).toBe('object');
      expect(d.description?.length).toBeGreaterThan(20);
    }
    expect(defs[1]!.input_schema.required).toEqual(['path']);
  });

  it('refuses unknown tool names', async () => {
    expect(() => toolDefinitionsFor(['read_file', 'bash'])).toThrow(ToolNotAllowedError);
    await expect(runTool('bash', { cmd: 'ls' }, fx.ctx())).rejects.toBeInstanceOf(ToolNotAllowedError);
    await expect(runTool('__proto__', {}, fx.ctx())).rejects.toBeInstanceOf(ToolNotAllowedError);
  });

  it('validates input against the tool schema before running it', async () => {
    await expect(runTool('read_file', {}, fx.ctx())).rejects.toBeInstanceOf(ValidationError);
    await expect(runTool('read_file', { path: 42 }, fx.ctx())).rejects.toThrow(/input\/path must be string/);
    await expect(runTool('read_file', { path: 'a.txt', extra: true }, fx.ctx())).rejects.toThrow(/additional properties/);
    await expect(runTool('read_file', { path: 'a.txt', offset: 0 }, fx.ctx())).rejects.toThrow(/offset/);
    await expect(runTool('read_file', 'a.txt', fx.ctx())).rejects.toThrow(/must be an object/);
    await expect(runTool('read_file', { path: 'a.txt' }, fx.ctx())).resolves.toBe('alpha');
  });

  it('validates even when a tool is called directly', async () => {
    await expect(BUILTIN_TOOLS.grep.run({ pattern: 7 }, fx.ctx())).rejects.toBeInstanceOf(ValidationError);
  });

  it('does not start a tool once the run is cancelled', async () => {
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await expect(runTool('read_file', { path: 'a.txt' }, fx.ctx({ signal: ac.signal }))).rejects.toThrow('cancelled');
  });
});
