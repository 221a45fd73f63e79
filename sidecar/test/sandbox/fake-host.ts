import { WorkflowNotFoundError, type ErrorInfo } from '../../src/errors/errors';
import type { AgentOptions, WorkflowRef } from '../../src/core/types';
import type { CheckedScript, ChildWorkflow, SandboxHost, SandboxLimits, SandboxOutcome, ScriptRun } from '../../src/sandbox/types';

export interface AgentCall {
  readonly seq: number;
  readonly prompt: string;
  readonly opts: AgentOptions;
  readonly startedAt: number;
  endedAt: number | null;
}

export interface FakeHostOptions {
  /** Milliseconds before an agent answers. */
  readonly latency?: (seq: number, prompt: string) => number;
  /** The agent's answer; by default `answer:<prompt>`. */
  readonly answer?: (seq: number, prompt: string, opts: AgentOptions) => unknown;
  /** A run-level error to reject with instead of answering. */
  readonly reject?: (seq: number, prompt: string) => ErrorInfo | null;
  readonly budget?: { total: { tokens: number; usd: number }; spent: { tokens: number; usd: number } };
  /** Child scripts workflow() finds, by name or by scriptPath; any other is `workflow_not_found`. */
  readonly workflows?: Readonly<Record<string, string>>;
}

// Unref'd: a slow fake agent left behind by an aborted run must not hold Jest open.
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** An in-memory SandboxHost that records everything the script asks of it, in order. */
export class FakeHost implements SandboxHost {
  readonly calls: AgentCall[] = [];
  readonly phases: string[] = [];
  readonly logs: string[] = [];
  readonly emitted: { type: string; payload: Record<string, unknown> }[] = [];
  /** Everything in arrival order: `agent:<seq>`, `phase:<name>`, `log:<message>`, `emit:<type>`. */
  readonly timeline: string[] = [];
  private readonly t0 = performance.now();

  constructor(private readonly options: FakeHostOptions = {}) {}

  async agent(seq: number, prompt: string, opts: AgentOptions): Promise<unknown> {
    const call: AgentCall = { seq, prompt, opts, startedAt: performance.now() - this.t0, endedAt: null };
    this.calls.push(call);
    this.timeline.push(`agent:${seq}`);
    const ms = this.options.latency?.(seq, prompt) ?? 0;
    if (ms > 0) await sleep(ms);
    call.endedAt = performance.now() - this.t0;
    const rejection = this.options.reject?.(seq, prompt);
    if (rejection) throw Object.assign(new Error(rejection.message), { code: rejection.code });
    return this.options.answer ? this.options.answer(seq, prompt, opts) : `answer:${prompt}`;
  }

  phase(name: string): void {
    this.phases.push(name);
    this.timeline.push(`phase:${name}`);
  }

  log(message: string): void {
    this.logs.push(message);
    this.timeline.push(`log:${message}`);
  }

  budget(): { total: { tokens: number; usd: number }; spent: { tokens: number; usd: number } } {
    return this.options.budget ?? { total: { tokens: 1000, usd: 5 }, spent: { tokens: 250, usd: 1.25 } };
  }

  emit(type: string, payload: Record<string, unknown>): void {
    this.emitted.push({ type, payload });
    this.timeline.push(`emit:${type}`);
  }

  async workflow(ref: WorkflowRef): Promise<ChildWorkflow> {
    const name = typeof ref === 'string' ? ref : ref.scriptPath;
    this.timeline.push(`workflow:${name}`);
    const source = this.options.workflows?.[name];
    if (source === undefined) throw new WorkflowNotFoundError(name);
    return { name, source };
  }
}

export const LIMITS: SandboxLimits = { memoryMb: 64, cpuMs: 2000, maxAgents: 1000, maxItems: 4096, maxResultBytes: 1_000_000 };

export function script(source: string): CheckedScript {
  return { source, meta: null };
}

/** A ScriptRun with defaults: a fresh FakeHost, LIMITS, no args, a signal that never aborts. */
export function runOf(source: string, over: Partial<Omit<ScriptRun, 'limits'>> & { limits?: Partial<SandboxLimits> } = {}): ScriptRun {
  return {
    script: script(source),
    args: over.args,
    host: over.host ?? new FakeHost(),
    limits: { ...LIMITS, ...over.limits },
    signal: over.signal ?? new AbortController().signal,
  };
}

/** The result of an outcome that must have succeeded. */
export function ok(outcome: SandboxOutcome): unknown {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result;
}

/** The error of an outcome that must have failed. */
export function failure(outcome: SandboxOutcome): { code: string; message: string } {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}
