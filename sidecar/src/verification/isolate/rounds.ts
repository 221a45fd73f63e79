/**
 * Agent calls and round events of the verification helpers (runs inside the isolate).
 */

export interface Call {
  readonly prompt: string;
  readonly options: Record<string, unknown>;
}

type Emit = (type: string, payload: Record<string, unknown>) => void;

let emit: Emit = () => {
  throw new Error('the verification helpers are not installed');
};

/** Binds the sandbox's private event function (once, at install). */
export function useEmit(e: Emit): void {
  emit = e;
}

/**
 * Starts every call at once, in array order (so a replay issues them in the same order),
 * and waits for all. agent() gives null for a failed agent; a run-level error (a limit,
 * cancellation) rejects and ends the helper, as it ends the script.
 */
export function askAll(calls: readonly Call[]): Promise<unknown[]> {
  return Promise.all(calls.map((call) => agent(call.prompt, call.options)));
}

export function roundEvent(
  helper: string,
  round: number,
  agreement: number | null,
  survivors: number,
  detail: Record<string, unknown>,
): void {
  emit('verify.round', { helper: helper, round: round, agreement: agreement, survivors: survivors, detail: detail });
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
