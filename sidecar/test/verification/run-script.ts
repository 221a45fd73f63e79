import type { AgentOptions } from '../../src/core/types';
import { IsolatedVmSandbox } from '../../src/sandbox';
import type { SandboxHost, SandboxOutcome } from '../../src/sandbox/types';
import { VERIFICATION_PRELUDE } from '../../src/verification';

export interface Call {
  readonly seq: number;
  readonly prompt: string;
  readonly opts: AgentOptions;
}

export interface RoundEvent {
  readonly helper: string;
  readonly round: number;
  readonly agreement: number | null;
  readonly survivors: number | null;
  readonly detail: Record<string, unknown>;
}

/** How the scripted host answers one agent() call: a value, null (a failed agent), or after a delay. */
export type Answerer = (call: Call) => unknown;

export interface ScriptedRun {
  readonly outcome: SandboxOutcome;
  readonly result: unknown;
  readonly calls: Call[];
  readonly rounds: RoundEvent[];
  /** Largest number of agent() calls the host held unanswered at once. */
  readonly maxPending: number;
}

/**
 * Runs a workflow script in the real isolated-vm sandbox with the verification prelude, against
 * a host that answers agent() calls with `answer` (optionally after `delayMs(call)` ms) and
 * records every call and every verify.round event.
 */
export async function runScript(
  sandbox: IsolatedVmSandbox,
  source: string,
  answer: Answerer,
  opts: {
    args?: unknown;
    delayMs?: (call: Call) => number;
    maxAgents?: number;
  } = {},
): Promise<ScriptedRun> {
  const calls: Call[] = [];
  const rounds: RoundEvent[] = [];
  let pending = 0;
  let maxPending = 0;
  const host: SandboxHost = {
    async agent(seq, prompt, agentOpts) {
      const call = { seq, prompt, opts: agentOpts };
      calls.push(call);
      pending++;
      maxPending = Math.max(maxPending, pending);
      try {
        const ms = opts.delayMs?.(call) ?? 0;
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
        else await Promise.resolve();
        return answer(call);
      } finally {
        pending--;
      }
    },
    phase: () => undefined,
    log: () => undefined,
    budget: () => ({ total: { tokens: 1e9, usd: 1e6 }, spent: { tokens: 0, usd: 0 } }),
    emit(type, payload) {
      if (type === 'verify.round') rounds.push(payload as unknown as RoundEvent);
    },
  };
  const outcome = await sandbox.run({
    script: { source, meta: null },
    args: opts.args ?? {},
    host,
    signal: new AbortController().signal,
    limits: { memoryMb: 64, cpuMs: 10_000, maxAgents: opts.maxAgents ?? 100_000, maxItems: 4096, maxResultBytes: 5_000_000 },
  });
  return { outcome, result: outcome.ok ? outcome.result : undefined, calls, rounds, maxPending };
}

export const newSandbox = (): IsolatedVmSandbox => new IsolatedVmSandbox({ preludeModules: [VERIFICATION_PRELUDE] });

/** The voter number a consensus prompt carries (1-based), or the skeptic number of a verify prompt. */
export function voterOf(prompt: string): number {
  const m = /Independent answer #(\d+)/.exec(prompt) ?? /skeptic #(\d+)/.exec(prompt);
  if (!m) throw new Error(`no voter number in: ${prompt}`);
  return Number(m[1]);
}
