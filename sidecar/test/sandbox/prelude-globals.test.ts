import ivm from 'isolated-vm';
import path from 'node:path';
import ts from 'typescript';
import { SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS } from '../../src/core/names';
import { corePrelude, CORE_PRELUDE_FILE, moduleSource } from '../../src/sandbox/prelude';
import { VERIFICATION_PRELUDE } from '../../src/verification';

const NAMES = 'Object.getOwnPropertyNames(globalThis).sort()';

/** The globals the core prelude and the verification module add to a bare context, each on its own. */
async function addedGlobals(): Promise<{ core: string[]; verification: string[]; blocked: string[] }> {
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  try {
    const context = await isolate.createContext();
    const before = new Set((await context.eval(NAMES, { copy: true })) as string[]);
    const install = await (await isolate.compileScript(corePrelude(), { filename: CORE_PRELUDE_FILE })).run(context, { reference: true });
    const noop = new ivm.Callback(() => undefined);
    const config = JSON.stringify({
      args: {},
      limits: { maxAgents: 1, maxItems: 1, maxResultBytes: 1, maxCollectionEntries: 1 },
      lockGlobals: [],
    });
    const ref = new ivm.Reference(() => undefined);
    const api = (await install.apply(undefined, [ref, noop, noop, noop, noop, noop, ref, config], {
      result: { reference: true },
    })) as ivm.Reference<Record<string, unknown>>;
    const afterCore = (await context.eval(NAMES, { copy: true })) as string[];
    const emit = await api.get('emit', { reference: true });
    await context.evalClosure(moduleSource(VERIFICATION_PRELUDE.source), [emit.derefInto()], { lineOffset: -1 });
    const afterVerification = (await context.eval(NAMES, { copy: true })) as string[];
    const core = afterCore.filter((n) => !before.has(n));
    // The guards add stubs that throw "… is not available in a workflow script" when used.
    const blocked: string[] = [];
    for (const name of core) {
      const probe = `(() => { try { const v = globalThis[${JSON.stringify(name)}]; if (typeof v === 'function') v(); return false; } catch (e) { return /is not available in a workflow script/.test(e.message); } })()`;
      if (await context.eval(probe, { copy: true })) blocked.push(name);
    }
    return { core, verification: afterVerification.filter((n) => !afterCore.includes(n)), blocked };
  } finally {
    isolate.dispose();
  }
}

describe('the globals the preludes define are the shared lists', () => {
  test('the core prelude defines every script API global and nothing else but blocked stubs; the verification module defines the helpers', async () => {
    const { core, verification, blocked } = await addedGlobals();
    expect(core.filter((n) => !blocked.includes(n)).sort()).toEqual([...SCRIPT_API_GLOBALS].sort());
    expect(blocked).toEqual(expect.arrayContaining(['require', 'fetch', 'XMLHttpRequest', 'setTimeout', 'process']));
    expect(verification.sort()).toEqual([...VERIFICATION_GLOBALS].sort());
  });
});

describe('the code that runs outside Node is type-checked', () => {
  const sidecar = path.join(__dirname, '..', '..');
  const projects = [
    { dir: 'src/sandbox/isolate', dom: false },
    { dir: 'src/verification/isolate', dom: false },
    { dir: 'src/ui/page', dom: true },
  ];
  test.each(projects)(
    '$dir type-checks under its own tsconfig (DOM only for the page, never Node types)',
    ({ dir, dom }) => {
      const file = path.join(sidecar, dir, 'tsconfig.json');
      const read = ts.readConfigFile(file, ts.sys.readFile);
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(file));
      expect(parsed.options.types).toEqual([]);
      expect((parsed.options.lib ?? []).some((l) => /dom/i.test(l))).toBe(dom);
      expect(parsed.fileNames.length).toBeGreaterThan(3);
      const program = ts.createProgram(parsed.fileNames, parsed.options);
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems).toEqual([]);
      // Node's globals are not there: a file that names `process` would not type-check.
      expect(
        program
          .getTypeChecker()
          .getSymbolsInScope(program.getSourceFile(parsed.fileNames[0]!)!, ts.SymbolFlags.Variable)
          .some((s) => s.name === 'process'),
      ).toBe(false);
    },
    60_000,
  );
});
