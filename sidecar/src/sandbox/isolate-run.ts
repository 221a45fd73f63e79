import ivm from 'isolated-vm';
import { CpuLimitError, DwError, RunCancelledError, ScriptError, ValidationError, type ErrorInfo } from '../errors/errors';
import { CHILD_WORKFLOW_PARAMS } from '../core/names';
import { HostBridge } from './bridge';
import { cpuWatchdog } from './cpu-watchdog';
import { collectionCap, validateLimits } from './limits';
import { abortInfo, catastropheInfo, failed, isolateFailure, resultOutcome } from './outcome';
import {
  CORE_PRELUDE_FILE,
  corePrelude,
  moduleSource,
  type PreludeApi,
  type PreludeConfig,
  type PreludeModule,
  type PreludeResult,
} from './prelude';
import type { ChildFactory } from './isolate/contract';
import { SCRIPT_FILENAME, childFilename, toRunnable } from './transform';
import type { ChildWorkflow, SandboxLimits, SandboxOutcome, ScriptRun } from './types';

export interface RunSettings {
  readonly preludeModules: readonly PreludeModule[];
  readonly lockGlobals: readonly string[];
  readonly cpuPollMs: number;
  /** An isolate hit a catastrophic error: its thread is parked for good (see IsolatedVmSandbox). */
  readonly onWedged: () => void;
}

const STALLED =
  'The script is waiting for a promise that can never settle: no agent() call is pending, and a workflow ' +
  'script has no timers or I/O. Did it create a Promise that nothing resolves?';

/**
 * The synchronous calls into the isolate get a wall-clock `timeout` as a backstop only: the
 * CPU watchdog is the precise limit, and a wall-clock timeout alone would end a script early
 * on a loaded machine, where CPU time grows slower than wall time.
 */
const backstopMs = (cpuMs: number): number => Math.ceil(cpuMs * 2 + 1000);

/** One script run in its own isolate, from setup to a settled outcome. */
export class IsolateRun {
  private settled = false;
  private resolveOutcome: (o: SandboxOutcome) => void = () => undefined;
  private isolate: ivm.Isolate | null = null;
  private bridge: HostBridge | null = null;
  private status: ivm.Reference<() => number> | null = null;
  private context: ivm.Context | null = null;
  private register: ivm.Reference<PreludeApi['register']> | null = null;
  private unwatch: (() => void) | null = null;
  private stallCheckQueued = false;
  private readonly onAbort = (): void => this.end(abortInfo(this.run.signal.reason));

  constructor(
    private readonly run: ScriptRun,
    private readonly settings: RunSettings,
  ) {}

  /** Always resolves, whatever the script or the isolate does. */
  start(): Promise<SandboxOutcome> {
    const outcome = new Promise<SandboxOutcome>((resolve) => {
      this.resolveOutcome = resolve;
    });
    this.execute().catch((err: unknown) => this.fail(err));
    return outcome;
  }

  /** Ends the run now with the given error, disposing its isolate. */
  end(info: ErrorInfo): void {
    this.finish(failed(info));
  }

  private async execute(): Promise<void> {
    const { run, settings } = this;
    if (run.signal.aborted) return this.end(abortInfo(run.signal.reason));
    run.signal.addEventListener('abort', this.onAbort, { once: true });
    const limits = validateLimits(run.limits);
    const runnable = toRunnable(run.script.source);
    const config = preludeConfig(run, limits, settings.lockGlobals);
    const timeout = backstopMs(limits.cpuMs);

    const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb, onCatastrophicError: (m) => this.catastrophe(m, limits) });
    this.isolate = isolate;
    const context = await isolate.createContext();
    this.context = context;
    if (this.settled) return;
    const bridge = new HostBridge(run.host, {
      onAgentSettled: () => this.scheduleStallCheck(),
      compileChild: (child) => this.compileChild(child, timeout),
    });
    this.bridge = bridge;
    const preludeArgs = [...bridge.preludeArguments(limits, collectionCap(limits.memoryMb)), config];
    const prelude = await isolate.compileScript(corePrelude(), { filename: CORE_PRELUDE_FILE });
    const install: ivm.Reference<(...args: unknown[]) => PreludeApi> = await prelude.run(context, { reference: true, timeout });
    const api: ivm.Reference<PreludeApi> = await install.apply(undefined, preludeArgs, { result: { reference: true }, timeout });
    install.release();
    const runFn = await api.get('run', { reference: true });
    const emitFn = await api.get('emit', { reference: true });
    const lockFn = await api.get('lock', { reference: true });
    this.status = await api.get('status', { reference: true });
    this.register = await api.get('register', { reference: true });
    for (const { source, filename } of settings.preludeModules) {
      await context.evalClosure(moduleSource(source), [emitFn.derefInto()], { timeout, filename, lineOffset: -1 });
    }
    await lockFn.apply(undefined, [], { timeout });
    const script = await isolate.compileScript(runnable.code, { filename: SCRIPT_FILENAME, lineOffset: runnable.lineOffset });
    const main: ivm.Reference<() => unknown> = await script.run(context, { reference: true, timeout });
    if (this.settled) return;

    this.unwatch = cpuWatchdog.watch(isolate, limits.cpuMs, settings.cpuPollMs, () => this.end(new CpuLimitError(limits.cpuMs).toJSON()));
    const pendingResult = runFn.apply(undefined, [main.derefInto()], { result: { promise: true, copy: true }, timeout });
    this.scheduleStallCheck();
    let result: PreludeResult;
    try {
      result = await pendingResult;
    } catch (err) {
      if (!this.settled) this.end(isolateFailure(err, isolate.isDisposed, limits));
      return;
    }
    this.finish(resultOutcome(result, limits));
  }

  /**
   * Compiles a workflow() child in the run's context (same isolate: same heap, CPU watchdog, guards
   * and agent()), as a function of its own `args` and `workflow`, and hands it to the prelude.
   */
  private async compileChild(child: ChildWorkflow, timeout: number): Promise<number> {
    const { isolate, context, register } = this;
    if (this.settled || isolate === null || context === null || register === null) throw new RunCancelledError('Run ended');
    const runnable = toRunnable(child.source, { params: CHILD_WORKFLOW_PARAMS });
    const script = await isolate.compileScript(runnable.code, { filename: childFilename(child.name), lineOffset: runnable.lineOffset });
    const factory: ivm.Reference<ChildFactory> = await script.run(context, { reference: true, timeout });
    try {
      return await register.apply(undefined, [factory.derefInto()], { timeout });
    } finally {
      factory.release();
      script.release();
    }
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    if (err instanceof DwError) return this.end(err.toJSON());
    this.end(isolateFailure(err, this.isolate?.isDisposed ?? false, this.run.limits));
  }

  private catastrophe(message: string, limits: SandboxLimits): void {
    this.settings.onWedged();
    this.end(catastropheInfo(message, limits));
  }

  /**
   * A script that awaits something no agent call will ever settle would otherwise sit idle
   * until the run's deadline. When no agent call is pending, ask the isolate (behind whatever
   * it still has queued) how many agent() and workflow() calls it issued; two idle answers in a row end the run.
   */
  private scheduleStallCheck(): void {
    if (this.stallCheckQueued || this.settled) return;
    this.stallCheckQueued = true;
    setImmediate(() => {
      this.checkStall().then(
        (again) => {
          this.stallCheckQueued = false;
          if (again) this.scheduleStallCheck();
        },
        () => {
          this.stallCheckQueued = false;
        },
      );
    });
  }

  /** Resolves true when activity raced the check and it should run again. */
  private async checkStall(): Promise<boolean> {
    for (let round = 0; round < 2; round += 1) {
      const { bridge, status } = this;
      if (this.settled || bridge === null || status === null || bridge.pending > 0) return false;
      const before = bridge.received;
      const issued = await status.apply(undefined, [], {});
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.settled || bridge.pending > 0) return false;
      if (issued !== bridge.received || bridge.received !== before) return true;
    }
    this.end(new ScriptError(STALLED).toJSON());
    return false;
  }

  private finish(outcome: SandboxOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.unwatch?.();
    this.run.signal.removeEventListener('abort', this.onAbort);
    try {
      this.status?.release();
      this.register?.release();
      this.bridge?.release();
      if (this.isolate && !this.isolate.isDisposed) this.isolate.dispose();
    } catch {
      // Disposing an isolate that is already gone is not a failure of the run.
    }
    this.resolveOutcome(outcome);
  }
}

function preludeConfig(run: ScriptRun, limits: SandboxLimits, lockGlobals: readonly string[]): string {
  const config: PreludeConfig = {
    // Claude Code passes args verbatim and leaves them undefined when none were given. The run
    // record stores a missing input as null, so null means none here too.
    args: run.args === undefined || run.args === null ? null : run.args,
    hasArgs: run.args !== undefined && run.args !== null,
    limits: {
      maxAgents: limits.maxAgents,
      maxItems: limits.maxItems,
      maxResultBytes: limits.maxResultBytes,
      maxCollectionEntries: collectionCap(limits.memoryMb),
    },
    lockGlobals,
  };
  try {
    return JSON.stringify(config);
  } catch (err) {
    throw new ValidationError(`Expected \`args\` to be JSON-serialisable: ${err instanceof Error ? err.message : String(err)}`);
  }
}
