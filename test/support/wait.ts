/** Options of waitFor. */
export interface WaitForOptions {
  /** @default 60000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what: string;
  /** Extra text for the timeout message (logs), computed only on timeout. */
  readonly diagnose?: () => string;
}

/**
 * Calls `probe` until it returns something other than undefined and resolves with that;
 * an exception from `probe` counts as "not yet" (the last one is reported on timeout).
 */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitForOptions): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 250 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const reason = last instanceof Error ? ` (last error: ${last.message})` : '';
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${options.what}${reason}${options.diagnose ? `\n${options.diagnose()}` : ''}`,
  );
}
