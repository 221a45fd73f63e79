import { PRELUDE_API } from './prelude-api';
import { PRELUDE_COLLECTIONS } from './prelude-collections';
import { PRELUDE_COMMON } from './prelude-common';
import { PRELUDE_GUARDS } from './prelude-guards';

/** What the prelude is given as `$6`, as JSON. */
export interface PreludeConfig {
  readonly args: unknown;
  readonly limits: {
    readonly maxAgents: number;
    readonly maxItems: number;
    readonly maxResultBytes: number;
    /** Most entries one Map or Set may hold (see prelude-collections.ts). */
    readonly maxCollectionEntries: number;
  };
  /** Globals the prelude modules define, made read-only before the script runs. */
  readonly lockGlobals: readonly string[];
}

/** What the prelude's `run` resolves with; crosses back to the host as a copy. */
export type PreludeResult =
  | { readonly ok: true; readonly json: string }
  | { readonly ok: false; readonly code: 'result_too_large'; readonly bytes: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The private functions the core prelude hands back to the host (never to the script). */
export interface PreludeApi {
  run(main: unknown): Promise<PreludeResult>;
  emit(type: string, payload: Record<string, unknown>): void;
  lock(): void;
  /** How many agents the script has issued. */
  status(): number;
}

/**
 * The core prelude, run with `context.evalClosure(CORE_PRELUDE, [agentRef, phase, log, budget,
 * emit, message, configJson])`. It installs the script API on the global object and returns an
 * object of private functions for the host: `run(main)`, `emit(type, payload)` (handed to prelude
 * modules as `__emit`), `lock()` and `status()` (agents issued so far).
 */
export const CORE_PRELUDE = [PRELUDE_COMMON, PRELUDE_GUARDS, PRELUDE_COLLECTIONS, PRELUDE_API, 'return { run: run, emit: emit, lock: lock, status: status };'].join('\n');

/** Wraps a prelude module so `__emit` is in its scope and nowhere else. */
export function moduleSource(source: string): string {
  return `const __emit = $0;\n${source}`;
}
