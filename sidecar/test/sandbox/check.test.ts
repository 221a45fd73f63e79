import { ScriptCheckError } from '../../src/errors/errors';
import { ALLOWED_GLOBALS, checkScript, ScriptCheckIssuesError } from '../../src/sandbox';

function checkError(source: string, opts?: { extraGlobals?: string[] }): ScriptCheckIssuesError {
  try {
    checkScript(source, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ScriptCheckError);
    expect(err).toBeInstanceOf(ScriptCheckIssuesError);
    expect((err as ScriptCheckError).code).toBe('script_invalid');
    return err as ScriptCheckIssuesError;
  }
  throw new Error(`expected the check to fail for: ${source}`);
}

describe('checkScript', () => {
  test('accepts the README example and extracts meta as plain data', () => {
    const source = [
      "export const meta = { name: 'audit-auth', description: 'Audit auth code', phases: ['scan', 'verify'], version: -2, beta: true, owner: null };",
      "phase('scan');",
      'const files = args.files;',
      'const FINDINGS = { type: "object" };',
      "const found = await parallel(files.map(f => () => agent(`Find security bugs in ${f}`, { label: f, tools: ['read_file', 'grep'], schema: FINDINGS })));",
      "phase('verify');",
      'const confirmed = await verify(found.flat().filter(Boolean), { skeptics: 3 });',
      'return { confirmed };',
    ].join('\n');
    const checked = checkScript(source);
    expect(checked.source).toBe(source);
    expect(checked.meta).toEqual({
      name: 'audit-auth',
      description: 'Audit auth code',
      phases: ['scan', 'verify'],
      version: -2,
      beta: true,
      owner: null,
    });
  });

  test("Claude Code's meta: comments before it, whenToUse, phases as objects kept as titles plus details", () => {
    const { meta } = checkScript(`// Reviews a change.
/* Published as a Claude Code workflow. */
export const meta = {
  name: 'review',
  description: 'Review a change',
  whenToUse: 'A diff to review',
  phases: [{ title: 'Scan', detail: 'one agent per file', model: 'haiku' }, 'Report', { title: 'Judge' }],
};
phase('Scan');
return meta.phases[0].title;`);
    expect(meta).toEqual({
      name: 'review',
      description: 'Review a change',
      whenToUse: 'A diff to review',
      phases: ['Scan', 'Report', 'Judge'],
      phaseDetails: [{ title: 'Scan', detail: 'one agent per file', model: 'haiku' }, { title: 'Report' }, { title: 'Judge' }],
    });
    expect(checkScript("export const meta = { phases: ['a', 'b'] };\nreturn 1;").meta).toEqual({ phases: ['a', 'b'] });
  });

  test('object phases need a title; detail, model and whenToUse must be strings', () => {
    expect(checkError('export const meta = { phases: [{ detail: 1 }] };').message).toMatch(
      /meta\.phases\[0\]\.title must be a non-empty string/,
    );
    expect(checkError("export const meta = { phases: [{ title: 'a', model: 3 }] };").message).toMatch(
      /meta\.phases\[0\]\.model must be a string/,
    );
    expect(checkError("export const meta = { phases: ['a', { title: 'b', detail: null }] };").message).toMatch(
      /meta\.phases\[1\]\.detail must be a string/,
    );
    expect(checkError('export const meta = { whenToUse: 1 };').message).toMatch(/meta\.whenToUse must be a string/);
    expect(checkError('export const meta = { phases: [[1]] };').message).toMatch(/meta\.phases\[0\] is an array/);
  });

  test('meta is optional', () => {
    expect(checkScript('return 1').meta).toBeNull();
  });

  test('meta may use quoted keys, nested objects and plain template strings', () => {
    const { meta } = checkScript("export const meta = { 'a-b': { c: [1, 'x', `plain`] } };\nreturn meta;");
    expect(meta).toEqual({ 'a-b': { c: [1, 'x', 'plain'] } });
  });

  test('meta must be literal: a variable, a call or a spread is refused with its position', () => {
    const cases: [string, RegExp][] = [
      ["const n = 'x';\nexport const meta = { name: n };", /2:29 meta must be a plain object literal.*found the variable `n`/],
      ['export const meta = { name: String(1) };', /1:29 meta must be a plain object literal.*found a function call/],
      ['const base = {};\nexport const meta = { ...base };', /2:23 .*found a spread/],
      ['export const meta = { name: `x${1}` };', /template literal with \$\{…\} expressions/],
      ['export const meta = { f() {} };', /method or accessor/],
      ['export const meta = [1];', /found ArrayExpression/],
      ['export const meta = { name: 3 };', /meta\.name must be a string/],
      ["export const meta = { phases: ['a', 2] };", /meta\.phases must be an array of phase titles \(strings\) or of objects/],
    ];
    for (const [source, message] of cases) expect(checkError(source).message).toMatch(message);
  });

  test('meta must be declared with const', () => {
    expect(checkError('export let meta = {};').message).toMatch(/declare meta with `export const meta`, not `export let`/);
  });

  test('imports, import(), import.meta and other exports are refused', () => {
    expect(checkError("import fs from 'fs';\nreturn 1;").message).toMatch(/1:1 import declarations are not allowed.*"fs"/);
    expect(checkError("const m = await import('fs');").message).toMatch(/1:17 import\(\) is not allowed/);
    expect(checkError('return import.meta.url;').message).toMatch(/1:8 import\.meta is not available/);
    expect(checkError('export const result = 1;').message).toMatch(/only `export const meta = \{…\}` may be exported/);
    expect(checkError('export default 1;').message).toMatch(/only `export const meta/);
    expect(checkError("export * from 'x';").message).toMatch(/only `export const meta/);
  });

  test('an unknown global is reported once, at its first use, with a hint and the available globals', () => {
    const err = checkError("log('a');\nconst x = await fetch('https://example.com');\nfetch('b');\nconsole.log(x);");
    expect(err.issues.map((i) => `${i.line}:${i.column}`)).toEqual(['2:17', '4:1']);
    expect(err.message).toMatch(/2:17 `fetch` is not defined in a workflow script: .*http_get/);
    expect(err.message).toMatch(/4:1 `console` is not defined in a workflow script: use log\(\.\.\.values\) instead/);
    expect(err.message).toMatch(/Available globals: args, agent, parallel/);
  });

  test('forbidden globals are refused statically: require, process, eval, Function, timers', () => {
    for (const name of ['require', 'process', 'eval', 'Function', 'setTimeout', 'globalThis', 'Intl', 'WebAssembly']) {
      expect(checkError(`${name};`).message).toContain(`\`${name}\` is not defined`);
    }
  });

  test('assigning an undeclared name counts as using a global', () => {
    expect(checkError('total = 1;').message).toMatch(/`total` is not defined/);
  });

  test('declared names anywhere are fine: functions, params, destructuring, classes, catch', () => {
    const source = [
      'function helper(a, { b, c: [d] }, ...rest) { return a + b + d + rest.length + arguments.length; }',
      'class Box { #v = 1; get v() { return this.#v; } static make() { return new Box(); } }',
      'const { x = 1, ...others } = args;',
      'let [first, , third] = [1, 2, 3];',
      'try { helper(1, { b: 2, c: [3] }); } catch (err) { log(err.message); }',
      'label: for (const item of [1]) { if (item) break label; }',
      'const obj = { key: 1, [first]: third, x, Math };',
      'return obj.key + Box.make().v + others.y + Math.max(1, 2) + JSON.stringify(new Map()).length;',
    ].join('\n');
    expect(() => checkScript(source)).not.toThrow();
  });

  test('every allowed global passes, and the verification helpers are allowed before their module exists', () => {
    expect(() => checkScript(`${ALLOWED_GLOBALS.join(';\n')};`)).not.toThrow();
    expect(() => checkScript('await consensus([]); await converge([]); await verify([]);')).not.toThrow();
    expect(() => checkScript('await vote([]);')).toThrow('vote');
  });

  test('extraGlobals allows names a prelude module installs', () => {
    expect(checkError('return tally([]);').message).toMatch(/`tally` is not defined/);
    expect(() => checkScript('return tally([]);', { extraGlobals: ['tally'] })).not.toThrow();
    expect(() => checkScript('return 1;', { extraGlobals: ['not a name'] })).toThrow(/Expected `extraGlobals`/);
  });

  test('a syntax error names line and column (1-based)', () => {
    const err = checkError('const a = 1;\nconst b = ;');
    expect(err.issues).toEqual([{ line: 2, column: 11, message: 'Syntax error: Unexpected token' }]);
    expect(err.message).toBe('Script check failed (line:column):\n  2:11 Syntax error: Unexpected token');
  });

  test('top-level await and return are allowed', () => {
    expect(() => checkScript("const a = await agent('x');\nif (!a) return null;\nreturn a;")).not.toThrow();
  });

  test('a long list of problems is cut after ten', () => {
    const source = Array.from({ length: 12 }, (_, i) => `unknown${i};`).join('\n');
    const err = checkError(source);
    expect(err.issues).toHaveLength(12);
    expect(err.message).toMatch(/12 problems/);
    expect(err.message).toMatch(/… and 2 more/);
  });
});
