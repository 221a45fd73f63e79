import { DeterminismError } from '../../src/errors/errors';
import { IsolatedVmSandbox } from '../../src/sandbox';
import type { SandboxOutcome } from '../../src/sandbox/types';
import { FakeHost, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox();

async function run(source: string): Promise<SandboxOutcome> {
  return sandbox.run(runOf(source));
}
function errorOf(outcome: SandboxOutcome): { code: string; message: string } {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

describe('determinism guards', () => {
  test.each([
    ['Date.now()', 'Date.now()'],
    ['new Date()', 'new Date()'],
    ['Date()', 'Date()'],
    ['Math.random()', 'Math.random()'],
    ['class Later extends Date {}\nnew Later();', 'new Date()'],
  ])('%s throws a determinism error naming what was called', async (source, what) => {
    expect(errorOf(await run(source))).toEqual(new DeterminismError(what).toJSON());
  });

  test('the error carries its code inside the script too', async () => {
    const outcome = await run('try { Math.random(); } catch (e) { return [e.code, e.name, e instanceof Error]; }');
    expect(outcome).toEqual({ ok: true, result: ['determinism', 'DeterminismError', true] });
  });

  test('a determinism error inside parallel fails the run rather than becoming null', async () => {
    const host = new FakeHost();
    const outcome = await sandbox.run(runOf("return await parallel([() => agent('a'), () => Date.now()]);", { host }));
    expect(errorOf(outcome).code).toBe('determinism');
  });

  test('dates from explicit values still work, and Date stays recognisable', async () => {
    const outcome = await run(`
      const d = new Date(Date.UTC(2024, 0, 2));
      return [d.toISOString(), Date.parse('2024-01-02T00:00:00Z'), d instanceof Date, d.constructor === Date, new Date('2024-01-02').getUTCDate()];
    `);
    expect(outcome).toEqual({ ok: true, result: ['2024-01-02T00:00:00.000Z', Date.UTC(2024, 0, 2), true, true, 2] });
  });
});

describe('what a script cannot reach', () => {
  test.each([
    ['eval("1 + 1")', /^SandboxError: eval is not available in a workflow script: code generation from strings is disabled/],
    ['new Function("return 1")()', /^SandboxError: Function is not available.*code generation from strings is disabled/],
    ['(function () {}).constructor("return 1")()', /^SandboxError: Function is not available/],
    ['(async () => {}).constructor("return 1")', /^SandboxError: AsyncFunction is not available/],
    ['(function* () {}).constructor("yield 1")', /^SandboxError: GeneratorFunction is not available/],
    ['(async function* () {}).constructor("yield 1")', /^SandboxError: AsyncGeneratorFunction is not available/],
    ["({}).constructor.constructor('return process')()", /^SandboxError: Function is not available/],
    ["(function () { return this; }).call({}).constructor.constructor('return process')()", /^SandboxError: Function is not available/],
    ["Reflect.construct(Object.getPrototypeOf(() => {}).constructor, ['return 1'])", /^SandboxError: Function is not available/],
    ['require("fs")', /^SandboxError: require\(\) is not available.*cannot load modules/],
    ['process.env.HOME', /^SandboxError: process is not available/],
    ['setTimeout(() => {}, 10)', /^SandboxError: setTimeout\(\) is not available.*no timers/],
    ['setInterval(() => {}, 10)', /^SandboxError: setInterval\(\) is not available/],
    ['fetch("https://example.com")', /^SandboxError: fetch\(\) is not available.*http_get/],
    ['WebAssembly.compile', /^SandboxError: WebAssembly is not available/],
    ['console.log(1)', /^SandboxError: console is not available.*log\(\.\.\.values\)/],
    ['new Intl.DateTimeFormat().format()', /^SandboxError: Intl is not available/],
    ['new SharedArrayBuffer(8)', /^SandboxError: SharedArrayBuffer is not available/],
    ['new WeakRef({})', /^SandboxError: WeakRef is not available/],
  ])('%s fails with a clear error', async (source, message) => {
    const error = errorOf(await run(source));
    expect(error.code).toBe('script_error');
    expect(error.message).toMatch(message);
  });

  test('constructor climbing from `this` finds nothing: top-level this is undefined', async () => {
    expect(errorOf(await run("this.constructor.constructor('return process')()")).message).toMatch(
      /^TypeError: Cannot read properties of undefined \(reading 'constructor'\)/,
    );
  });

  test('a forbidden call inside parallel fails the run rather than becoming null', async () => {
    expect(errorOf(await run('return await parallel([() => require("fs")]);')).message).toMatch(/require\(\) is not available/);
  });

  test('the guards cannot be undone', async () => {
    const outcome = await run(`
      const tries = [
        () => { Math.random = () => 0.5; },
        () => { Object.defineProperty(Function.prototype, 'constructor', { value: Object }); },
        () => { Date.now = () => 0; },
        () => { globalThis.eval = (x) => x; },
      ];
      return tries.map((t) => { try { t(); return 'changed'; } catch (e) { return e.name; } });
    `);
    expect(outcome).toEqual({ ok: true, result: ['TypeError', 'TypeError', 'TypeError', 'TypeError'] });
    expect(errorOf(await run('Math.random()')).code).toBe('determinism');
  });

  test('import() never reaches the isolate', async () => {
    expect(errorOf(await run("await import('fs');")).code).toBe('script_invalid');
  });

  test('no isolated-vm handle is reachable from script code', async () => {
    // Walks everything reachable from the global object (values, accessors' functions and
    // prototypes) looking for the methods of isolated-vm's Reference, Callback or ExternalCopy.
    const outcome = await run(`
      const seen = new Set();
      const queue = [globalThis];
      const found = [];
      const marks = ['derefInto', 'applySync', 'applySyncPromise', 'copyInto', 'setSync', 'getSync'];
      while (queue.length > 0 && seen.size < 20000) {
        const obj = queue.pop();
        if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function') || seen.has(obj)) continue;
        seen.add(obj);
        queue.push(Object.getPrototypeOf(obj));
        for (const key of Reflect.ownKeys(obj)) {
          if (marks.includes(key)) found.push(String(key));
          let d;
          try { d = Object.getOwnPropertyDescriptor(obj, key); } catch (e) { continue; }
          if (!d) continue;
          if ('value' in d) queue.push(d.value);
          if (d.get) queue.push(d.get);
          if (d.set) queue.push(d.set);
        }
      }
      return { visited: seen.size, found };
    `);
    if (!outcome.ok) throw new Error(outcome.error.message);
    const { visited, found } = outcome.result as { visited: number; found: string[] };
    expect(found).toEqual([]);
    expect(visited).toBeGreaterThan(500);
  });

  test('the global object holds the script API and standard built-ins only', async () => {
    const outcome = await run(`return Object.getOwnPropertyNames(globalThis).filter((n) => {
      const d = Object.getOwnPropertyDescriptor(globalThis, n);
      return 'value' in d && typeof d.value === 'function' && /^[a-z]/.test(n);
    });`);
    expect(outcome.ok).toBe(true);
    const lowercaseFunctions = (outcome as { result: string[] }).result.sort();
    expect(lowercaseFunctions).toEqual(
      [
        'agent',
        'clearImmediate',
        'clearInterval',
        'clearTimeout',
        'decodeURI',
        'decodeURIComponent',
        'encodeURI',
        'encodeURIComponent',
        'escape',
        'eval',
        'fetch',
        'isFinite',
        'isNaN',
        'log',
        'parallel',
        'parseFloat',
        'parseInt',
        'phase',
        'pipeline',
        'require',
        'setImmediate',
        'setInterval',
        'setTimeout',
        'unescape',
        'workflow',
      ].sort(),
    );
  });
});
