import type { ErrorInfo } from '../errors/errors';
import type { AgentOptions, ScriptMeta, WorkflowRef } from '../core/types';

/** A script after the static check: source as written plus what the check extracted. */
export interface CheckedScript {
  readonly source: string;
  readonly meta: ScriptMeta | null;
}

/** What the sandbox asks of the engine. Every call crosses the boundary as plain JSON. */
export interface SandboxHost {
  /**
   * The script called agent(). `seq` was assigned synchronously in the sandbox, in issue order.
   * Resolves with the agent's value (text or validated object) or null when it failed
   * terminally; rejects only with a run-level error (a limit, cancellation) that the script
   * should see as a thrown error.
   */
  agent(seq: number, prompt: string, opts: AgentOptions): Promise<unknown>;
  phase(name: string): void;
  log(message: string): void;
  /** Tokens and USD: the run's budget as the script sees it. */
  budget(): { total: { tokens: number; usd: number }; spent: { tokens: number; usd: number } };
  /** Structured events from the verification helpers (verify.round …). */
  emit(type: string, payload: Record<string, unknown>): void;
  /**
   * The script called workflow(ref): the child's script, already checked, which the sandbox runs in
   * the same isolate with the same host. Rejects with a named error (`workflow_not_found`,
   * `workflow_path_denied`, `script_invalid`, …) that the script may catch. A host without it
   * (benchmarks, tests) has no saved workflows: every call is `workflow_not_found`.
   */
  workflow?(ref: WorkflowRef): Promise<ChildWorkflow>;
}

/** A script workflow() runs: `name` is what its stack frames show (the saved name or its path). */
export interface ChildWorkflow {
  readonly name: string;
  readonly source: string;
}

export interface SandboxLimits {
  readonly memoryMb: number;
  readonly cpuMs: number;
  /** Most agents a run may issue; the sandbox fails the 1,001st call itself. */
  readonly maxAgents: number;
  /** Most items per parallel()/pipeline() call. */
  readonly maxItems: number;
  /** Largest JSON result in bytes. */
  readonly maxResultBytes: number;
}

export type SandboxOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ErrorInfo };

export interface ScriptRun {
  readonly script: CheckedScript;
  readonly args: unknown;
  readonly host: SandboxHost;
  readonly limits: SandboxLimits;
  /** Aborting ends the script at once (cancel, deadline); the outcome names the reason given. */
  readonly signal: AbortSignal;
}

/** The engine depends on this; only the isolated-vm implementation imports isolated-vm. */
export interface ScriptSandbox {
  run(run: ScriptRun): Promise<SandboxOutcome>;
  dispose(): void;
}
