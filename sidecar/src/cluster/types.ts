/**
 * The budget of agents in flight that every run of a sidecar draws from (DW_GLOBAL_MAX_PARALLEL):
 * in-process (`LocalBudget`), or shared by every sidecar on one Redis (`RedisBudget`).
 */
export interface AgentBudget {
  /**
   * Runs `fn` holding one slot; the slot is given back when `fn` settles. A caller whose
   * `signal` aborts while it waits leaves the line and gets the abort reason (no slot is taken).
   */
  run<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Resolves once no shared cool-down is running (a 429/529 seen anywhere in the cluster). */
  beforeModelCall(signal: AbortSignal): Promise<void>;
  /** The provider pushed back (429/529); `retryAfterMs` when it said how long to wait. */
  pushback(retryAfterMs: number | undefined): void;
  /** A model call succeeded (the shared limit climbs back). */
  success(): void;
  close(): Promise<void>;
}
