import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { checkCommand, findExtensions } from '../../src/cli/check';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const COMPAT = path.join(__dirname, '..', 'compat', 'scripts');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-check-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, source: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, source);
  return f;
}

function capture(f: string, json = false): { code: number; out: string; err: string } {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = checkCommand(f, { json }, out, err);
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

const names = (source: string) => findExtensions(source).map((e) => `${e.line}:${e.column} ${e.kind} ${e.name}`);

const EXTENDED = `export const meta = { name: 'x', description: 'y', phases: ['a'] };
const found = await agent('Scan', { label: 'scan', tools: ['grep'], schema: { type: 'object' } });
const opts = { system: 'shared', maxTurns: 4 };
await agent('More', opts);
const checked = await verify([found], { skeptics: 3 });
if (budget.usd.remaining() < 1) log('low on money');
return { checked, c: await consensus(['a'], { votes: 3 }) };
`;

describe('findExtensions', () => {
  it("a script with only Claude Code's surface has none", () => {
    expect(
      findExtensions(`export const meta = { name: 'x', phases: [{ title: 'A', model: 'haiku' }] };
phase('A');
log('start', args);
const r = await parallel([() => agent('a', { label: 'l', phase: 'A', schema: { type: 'object' }, model: 'haiku', effort: 'high', agentType: 'general-purpose' })]);
const p = await pipeline([1, 2], (prev, item, i) => agent('b' + item));
return { r, p, left: budget.remaining(), total: budget.total, spent: budget.spent() };`),
    ).toEqual([]);
  });

  it('lists each extension with its line and column, in source order', () => {
    expect(names(EXTENDED)).toEqual([
      '2:52 agent-option tools',
      '3:16 agent-option system',
      '3:34 agent-option maxTurns',
      '5:23 global verify',
      '6:5 budget budget.usd',
      '7:28 global consensus',
    ]);
  });

  it('follows spreads, ternaries and variables; an option set to undefined is no option', () => {
    expect(
      names(`const base = { system: 's' };
const pick = args ? { tools: [] } : {};
await agent('a', { ...base, ...(args && { maxTurns: 2 }), ...pick, tools: undefined });
return 1;`),
    ).toEqual(['1:16 agent-option system', '2:23 agent-option tools', '3:43 agent-option maxTurns']);
  });

  it("the script's own declarations are not the globals; other objects named like options are not agent options", () => {
    expect(
      names(`function verify(x) { return x; }
const cfg = { tools: ['grep'], system: 'not an agent' };
const usd = { usd: 1 }.usd;
return verify(cfg);`),
    ).toEqual([]);
  });

  it('budget.usd written any way: computed, optional, destructured', () => {
    expect(names(`const a = budget['usd'].total;\nconst b = budget?.usd;\nconst { usd } = budget;\nreturn [a, b, usd];`)).toEqual([
      '1:11 budget budget.usd',
      '2:11 budget budget.usd',
      '3:9 budget budget.usd',
    ]);
  });

  it('an invalid script throws the script check error', () => {
    expect(() => findExtensions('return fetch("x")')).toThrow(/script_invalid|`fetch` is not defined/);
  });

  it('every Claude Code compatibility script is valid and portable, but the one that reads budget.usd', () => {
    const files = fs.readdirSync(COMPAT).filter((f) => f.endsWith('.workflow'));
    expect(files.length).toBeGreaterThan(10);
    const used = Object.fromEntries(
      files.map((f) => [f, [...new Set(findExtensions(fs.readFileSync(path.join(COMPAT, f), 'utf8')).map((e) => e.name))]]),
    );
    expect(Object.entries(used).filter(([, n]) => n.length > 0)).toEqual([['09-spent-delta.workflow', ['budget.usd']]]);
  });

  it("workflow() by name or by scriptPath is Claude Code's surface, not an extension; so are the saved children", () => {
    expect(
      findExtensions("const r = await workflow('audit', { files: args.files });\nreturn await workflow({ scriptPath: 'lib/x.js' }, r);"),
    ).toEqual([]);
    const saved = path.join(COMPAT, 'saved');
    for (const f of [...fs.readdirSync(saved).filter((n) => n.endsWith('.workflow')), 'lib/outline.workflow'])
      expect([f, findExtensions(fs.readFileSync(path.join(saved, f), 'utf8'))]).toEqual([f, []]);
  });
});

describe('checkCommand', () => {
  it('a portable script: exit 0, "portable"', () => {
    const f = file('portable.js', "return await agent('hi');\n");
    const r = capture(f);
    expect(r).toEqual({ code: 0, out: `portable: ${f} uses only what Claude Code's Workflow tool has\n`, err: '' });
  });

  it('a script with extensions: exit 0 and the list, one per line with line:column', () => {
    const f = file('extended.js', EXTENDED);
    const r = capture(f);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.split('\n')).toEqual([
      `${f} is valid and uses 6 extensions Claude Code's Workflow tool does not have (line:column):`,
      '  2:52 agent() option `tools`',
      '  3:16 agent() option `system`',
      '  3:34 agent() option `maxTurns`',
      '  5:23 `verify()` (verification helper)',
      '  6:5 `budget.usd`',
      '  7:28 `consensus()` (verification helper)',
      '',
    ]);
  });

  it('an invalid script: exit 1 with the check error on stderr', () => {
    const r = capture(file('bad.js', "const t = Date.now();\nreturn require('fs');\n"));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^script_invalid: Script check failed/);
    expect(r.err).toMatch(/2:8 `require` is not defined in a workflow script/);
  });

  it('--json: one object, valid or not', () => {
    const ok = capture(file('ext.js', 'return budget.usd.spent();\n'), true);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({
      file: path.join(dir, 'ext.js'),
      valid: true,
      portable: false,
      extensions: [{ line: 1, column: 8, kind: 'budget', name: 'budget.usd' }],
    });
    const bad = capture(file('syntax.js', 'return {'), true);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ valid: false, error: { code: 'script_invalid', issues: [{ line: 1 }] } });
  });

  it('a file that cannot be read: exit 2', () => {
    const r = capture(path.join(dir, 'missing.js'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^file_unreadable: cannot read .*missing\.js \(ENOENT\)/);
  });

  it('the built CLI: `dynamic-workflows check FILE` exits 0, 1 or 2', () => {
    if (!fs.existsSync(MAIN)) throw new Error(`build the sidecar first (${MAIN} is missing)`);
    const cli = (f: string) => spawnSync(process.execPath, ['--no-node-snapshot', MAIN, 'check', f], { encoding: 'utf8' });
    const portable = cli(file('p.js', "return await agent('hi');\n"));
    expect([portable.status, portable.stdout]).toEqual([
      0,
      `portable: ${path.join(dir, 'p.js')} uses only what Claude Code's Workflow tool has\n`,
    ]);
    const extended = cli(file('e.js', EXTENDED));
    expect(extended.status).toBe(0);
    expect(extended.stdout).toContain('  5:23 `verify()` (verification helper)');
    const invalid = cli(file('i.js', 'return process.env;'));
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/script_invalid: .*\n.*`process` is not defined/);
    expect(cli(path.join(dir, 'none.js')).status).toBe(2);
  });
});
