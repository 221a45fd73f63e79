/**
 * What the host and the core prelude agree on. The prelude runs inside the isolate (see
 * entry.ts); the host (isolate-run.ts) reads these types only. Plain TypeScript with no Node or
 * DOM types, so both sides can import it.
 */

/** What the prelude is given as its last argument, as JSON. */
export interface PreludeConfig {
  /** The run's input; the script's `args` is `undefined` when `hasArgs` is false (JSON has no undefined). */
  readonly args: unknown;
  readonly hasArgs: boolean;
  readonly limits: {
    readonly maxAgents: number;
    readonly maxItems: number;
    readonly maxResultBytes: number;
    /** Most entries one Map or Set may hold (see collections.ts). */
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
  run(main: () => unknown): Promise<PreludeResult>;
  emit(type: string, payload: Record<string, unknown>): void;
  lock(): void;
  /** How many agent() and workflow() calls the script has issued. */
  status(): number;
  /** Keeps a compiled child script (see WorkflowReply) until its workflow() call starts it; returns its id. */
  register(factory: ChildFactory): number;
}

/**
 * A child script as the host compiles it for workflow(): called with the child's `args` and the
 * `workflow` it sees (one that refuses), it returns the child's body as an async function.
 */
export type ChildFactory = (args: unknown, workflow: (...a: unknown[]) => never) => () => Promise<unknown>;

/** The host's budget snapshot, as the budget callback returns it. */
export interface BudgetSnapshot {
  readonly total: { readonly tokens: number; readonly usd: number };
  readonly spent: { readonly tokens: number; readonly usd: number };
}

/** An error as the host describes it (ErrorInfo's shape, as far as the prelude reads it). */
export interface HostErrorInfo {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** What one agent call resolves with inside the isolate: never a rejection, so codes survive the crossing. */
export type AgentReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: HostErrorInfo };

/** The host's agent function as the isolate sees it: an isolated-vm Reference, applied asynchronously. */
export interface AgentReference {
  apply(receiver: undefined, args: readonly unknown[], options: object): Promise<AgentReply>;
}

/**
 * What a workflow() call resolves with inside the isolate: the id under which the host registered
 * the compiled child (PreludeApi.register), or the error that refused it (never a rejection).
 */
export type WorkflowReply = { readonly ok: true; readonly id: number } | { readonly ok: false; readonly error: HostErrorInfo };

/** The host's workflow function as the isolate sees it: an isolated-vm Reference, applied asynchronously. */
export interface WorkflowReference {
  apply(receiver: undefined, args: readonly unknown[], options: object): Promise<WorkflowReply>;
}

/** Messages the host formats (the shared error classes), keyed by kind. */
export type MessageKind = 'determinism' | 'agent_limit' | 'item_limit' | 'collection' | 'workflow_nesting' | 'workflow_limit';

/**
 * The arguments the host hands to the prelude's `install`, in order: the agent Reference, then
 * synchronous Callbacks (phase, log, budget, emit, message), the workflow Reference, then the
 * config as JSON.
 */
export type InstallArguments = [
  agent: AgentReference,
  phase: (name: string) => void,
  log: (message: string) => void,
  budget: () => BudgetSnapshot,
  emit: (type: string, payload: Record<string, unknown>) => void,
  message: (kind: MessageKind, arg: unknown) => string,
  workflow: WorkflowReference,
  configJson: string,
];

/** The file names V8 reports for the prelude bundles (and their names under dist/bundles). */
export const CORE_PRELUDE_FILE = 'dw-prelude.js';
