import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { BUNDLE_DIR } from '../../src/bundle-text';
import { IsolatedVmSandbox } from '../../src/sandbox';
import { VERIFICATION_PRELUDE } from '../../src/verification';
import { FakeHost, failure, ok, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox({ preludeModules: [VERIFICATION_PRELUDE] });
const sidecar = path.join(__dirname, '..', '..');

/** The first stack frame in `file` (name:line:column), mapped through the bundle's source map to its TypeScript source. */
function originOf(stack: string, file: string): { source: string; line: number; text: string } {
  const frame = new RegExp(`${file.replace('.', '\\.')}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) throw new Error(`no ${file} frame in:\n${stack}`);
  const map = new SourceMap(JSON.parse(readFileSync(path.join(BUNDLE_DIR, `${file}.map`), 'utf8')));
  const entry = map.findEntry(Number(frame[1]) - 1, Number(frame[2]) - 1);
  if (!('originalSource' in entry)) throw new Error(`${file}:${frame[1]}:${frame[2]} maps to no source`);
  const source = path.relative(sidecar, path.resolve(BUNDLE_DIR, entry.originalSource.replace(/^file:\/\//, '')));
  const text = readFileSync(path.join(sidecar, source), 'utf8').split('\n')[entry.originalLine] ?? '';
  return { source, line: entry.originalLine + 1, text };
}

describe('line numbers in errors', () => {
  test("an error in the user's script names the script's own line", async () => {
    const script = [
      "export const meta = { name: 'lines' };", // 1
      '', // 2
      "phase('one');", // 3
      'const a = 1;', // 4
      '// a comment', // 5
      'if (a === 1) {', // 6
      "  throw new Error('boom on seven');", // 7
      '}', // 8
      'return a;', // 9
    ].join('\n');
    const error = failure(await sandbox.run(runOf(script, { host: new FakeHost() })));
    expect(error).toEqual({ code: 'script_error', message: 'Error: boom on seven (at line 7:9)' });
  });

  test('a script line is still right after a hashbang and a one-line meta export', async () => {
    const error = failure(await sandbox.run(runOf("#!/usr/bin/env dw\nexport const meta = { name: 'x' };\nnull.x;")));
    expect(error.message).toMatch(/\(at line 3:6\)$/);
  });

  test('an error raised inside the core prelude points at dw-prelude.js, and its source map at the TypeScript line', async () => {
    const stack = ok(await sandbox.run(runOf('try { agent(42); } catch (e) { return e.stack; }'))) as string;
    expect(stack).toMatch(/^TypeError: agent\(prompt, opts\?\): prompt must be a non-empty string, got the number 42\n/);
    expect(stack).toMatch(/at agent \(dw-prelude\.js:\d+:\d+\)/);
    expect(stack).toMatch(/workflow\.js:1:7/);
    const origin = originOf(stack, 'dw-prelude.js');
    expect(origin.source).toBe(path.join('src', 'sandbox', 'isolate', 'api.ts'));
    expect(origin.text).toContain('prompt must be a non-empty string');
  });

  test('an error raised inside a verification helper points at dw-verification.js and its TypeScript source', async () => {
    const stack = ok(await sandbox.run(runOf("try { await consensus(''); } catch (e) { return e.stack; }"))) as string;
    expect(stack).toMatch(/^TypeError: consensus: expected prompt to be a non-empty string\n/);
    const origin = originOf(stack, 'dw-verification.js');
    expect(origin.source).toBe(path.join('src', 'verification', 'isolate', 'options.ts'));
    expect(origin.text).toContain('return new TypeError(helper + ');
    const caller = /at consensus \(dw-verification\.js:(\d+):(\d+)\)/.exec(stack);
    expect(caller).not.toBeNull();
    expect(originOf(caller![0], 'dw-verification.js').source).toBe(path.join('src', 'verification', 'isolate', 'consensus.ts'));
  });

  test('a prelude module given as a string gets a numbered file name', async () => {
    const sb = new IsolatedVmSandbox({
      preludeModules: ["globalThis.boom = function boom() { return new Error('x').stack; };"],
      extraGlobals: ['boom'],
    });
    expect(ok(await sb.run(runOf('return boom();')))).toMatch(/at boom \(dw-prelude-module-0\.js:1:\d+\)/);
  });
});
