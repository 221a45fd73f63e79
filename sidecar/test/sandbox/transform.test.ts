import { ScriptCheckError } from '../../src/errors/errors';
import { toRunnable } from '../../src/sandbox/transform';

describe('toRunnable', () => {
  test('export const meta becomes const meta with every column kept', () => {
    const source = "export const meta = { name: 'x' };\nreturn meta;";
    const { code, meta, lineOffset } = toRunnable(source);
    expect(meta).toEqual({ name: 'x' });
    const lines = code.split('\n');
    expect(lines[1]).toBe("       const meta = { name: 'x' };");
    expect(lines[1].indexOf('meta')).toBe(source.indexOf('meta'));
    expect(lines[2]).toBe('return meta;');
    // The wrapper adds exactly one line before the script.
    expect(lines).toHaveLength(source.split('\n').length + 2);
    expect(lineOffset).toBe(-1);
  });

  test('the body is wrapped in a strict async function expression', () => {
    const { code } = toRunnable('return await agent("x");');
    expect(code.startsWith('(async function () { "use strict";\n')).toBe(true);
    expect(code.endsWith('\n})')).toBe(true);
  });

  test('a trailing line comment cannot swallow the closing of the wrapper', () => {
    expect(toRunnable('return 1; // done').code.endsWith('// done\n})')).toBe(true);
  });

  test('a hashbang line becomes a comment', () => {
    expect(toRunnable('#!/usr/bin/env node\nreturn 1;').code).toContain('\n///usr/bin/env node\nreturn 1;');
  });

  test('the structural rules are enforced even without checkScript', () => {
    expect(() => toRunnable("const m = await import('fs');")).toThrow(ScriptCheckError);
    expect(() => toRunnable("import x from 'y';")).toThrow(/import declarations are not allowed/);
    expect(() => toRunnable('return (')).toThrow(/Syntax error/);
  });

  test('unknown globals are left to the isolate', () => {
    expect(() => toRunnable('return fetch("x");')).not.toThrow();
  });
});
