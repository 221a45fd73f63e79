import { setFlagsFromString } from 'node:v8';
import { InvalidStateError, RunCancelledError, ValidationError } from '../errors/errors';
import { VERIFICATION_GLOBALS } from './globals';
import { IsolateRun } from './isolate-run';
import { failed } from './outcome';
import type { PreludeModule } from './prelude';
import type { SandboxOutcome, ScriptRun, ScriptSandbox } from './types';

export interface IsolatedVmSandboxOptions {
  /**
   * JavaScript sources evaluated in every run's context after the core prelude and before the
   * script, each as a function body with `__emit(type, payload)` in scope (it calls
   * `host.emit`; the script itself never sees it). They install their helpers on `globalThis`
   * and may use the script API (`agent`, `parallel`, …). A module given as a string has the
   * file name `dw-prelude-module-<index>.js` in stack traces; give `{ filename, source }` to
   * name it.
   * @default []
   */
  readonly preludeModules?: ReadonlyArray<string | PreludeModule>;
  /**
   * Globals the prelude modules define, made read-only before the script runs. The
   * verification helper names are always included.
   * @default []
   */
  readonly extraGlobals?: readonly string[];
  /**
   * How often each running isolate's CPU time is read, in milliseconds: a runaway script
   * overshoots `cpuMs` by about this much.
   * @default 20
   */
  readonly cpuPollMs?: number;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function isPreludeModule(m: unknown): m is string | PreludeModule {
  if (typeof m === 'string') return true;
  if (m === null || typeof m !== 'object') return false;
  const { filename, source } = m as Partial<Record<keyof PreludeModule, unknown>>;
  return typeof source === 'string' && typeof filename === 'string' && filename !== '';
}

let v8Hardened = false;
/**
 * With Maglev on-stack replacement, V8 can leave a hot allocating loop running after
 * isolated-vm asks it to terminate (memory limit or dispose): the isolate's thread keeps
 * allocating until the whole process dies. Without Maglev OSR (TurboFan OSR stays), the same
 * loops stop within milliseconds. The flag is process-wide; its cost to the host is a slower
 * warm-up of long-running loops only.
 */
function hardenV8(): void {
  if (v8Hardened) return;
  setFlagsFromString('--no-maglev-osr');
  v8Hardened = true;
}

let wedged = 0;

/**
 * Runs workflow scripts in isolated-vm, one isolate per run; many runs may go on at once.
 * Node must be started with `--no-node-snapshot` (isolated-vm needs it on Node 20+).
 */
export class IsolatedVmSandbox implements ScriptSandbox {
  /**
   * Isolates that hit a catastrophic V8 error (an out-of-memory V8 could not turn into a
   * catchable limit). Their run ended with `memory_limit`, but isolated-vm parks their thread
   * for good, and a parked thread keeps the process from exiting normally: when this is above
   * zero, a shutdown should end the process with a signal rather than wait for it to exit.
   */
  static get wedgedIsolates(): number {
    return wedged;
  }

  private readonly preludeModules: readonly PreludeModule[];
  private readonly lockGlobals: readonly string[];
  private readonly cpuPollMs: number;
  private readonly active = new Set<IsolateRun>();
  private disposed = false;

  constructor(options: IsolatedVmSandboxOptions = {}) {
    const { preludeModules = [], extraGlobals = [], cpuPollMs = 20 } = options;
    if (!Array.isArray(preludeModules) || !preludeModules.every(isPreludeModule)) {
      throw new ValidationError('Expected `preludeModules` to be an array of JavaScript source strings or { filename, source } objects');
    }
    if (!Array.isArray(extraGlobals) || !extraGlobals.every((n) => typeof n === 'string' && IDENTIFIER.test(n))) {
      throw new ValidationError('Expected `extraGlobals` to be an array of identifier names');
    }
    if (typeof cpuPollMs !== 'number' || !Number.isInteger(cpuPollMs) || cpuPollMs < 1 || cpuPollMs > 1000) {
      throw new ValidationError(`Expected \`cpuPollMs\` to be an integer 1..1000, got ${String(cpuPollMs)}`);
    }
    this.preludeModules = preludeModules.map((m, i) =>
      typeof m === 'string' ? { filename: `dw-prelude-module-${i}.js`, source: m } : { ...m },
    );
    this.lockGlobals = [...new Set([...VERIFICATION_GLOBALS, ...extraGlobals])];
    this.cpuPollMs = cpuPollMs;
    hardenV8();
  }

  run(run: ScriptRun): Promise<SandboxOutcome> {
    if (this.disposed) return Promise.resolve(failed(new InvalidStateError('The script sandbox has been disposed')));
    const r = new IsolateRun(run, {
      preludeModules: this.preludeModules,
      lockGlobals: this.lockGlobals,
      cpuPollMs: this.cpuPollMs,
      onWedged: () => {
        wedged += 1;
      },
    });
    this.active.add(r);
    return r.start().then((outcome) => {
      this.active.delete(r);
      return outcome;
    });
  }

  /** Ends every run still going (outcome `cancelled`) and refuses new ones. */
  dispose(): void {
    this.disposed = true;
    for (const r of this.active) r.end(new RunCancelledError('The script sandbox was disposed').toJSON());
    this.active.clear();
  }
}
