import type { ErrorInfo } from '../errors/errors';
import type { AgentEffort, AgentIsolationMode } from './names';
import type { Usage } from './usage';

export type RunStatus = 'queued' | 'planning' | 'awaiting_approval' | 'running' | 'converged' | 'failed' | 'cancelled';
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'planning',
  'awaiting_approval',
  'running',
  'converged',
  'failed',
  'cancelled',
];
export const TERMINAL_STATUSES: readonly RunStatus[] = ['converged', 'failed', 'cancelled'];
export const isTerminal = (s: RunStatus): boolean => TERMINAL_STATUSES.includes(s);

/**
 * Per-run limits. Every field is optional on the way in; the operator's values are both the
 * defaults and the ceilings (see ./limits.ts, the one table of limits).
 */
export interface RunLimits {
  /** Agents in flight at once for this run. @default 16 */
  readonly maxParallel: number;
  /** Agents a run may start in all. @default 1000 */
  readonly maxAgents: number;
  /** Input + output tokens (cache reads and writes included) a run may spend. @default 2_000_000 */
  readonly maxTokens: number;
  /** USD a run may spend, priced by the model price table. @default 25 */
  readonly maxUsd: number;
  /** Wall-clock deadline from the start of the script. @default 3_600_000 */
  readonly deadlineMs: number;
  /** Script CPU time (isolate cpuTime; agent time does not count). @default 10_000 */
  readonly cpuMs: number;
  /** Script heap (isolate memoryLimit). @default 128 */
  readonly memoryMb: number;
}

export interface RunOptions {
  readonly model?: string;
  readonly agentModel?: string;
  readonly approvePlan?: boolean;
  readonly tools?: readonly string[];
  readonly workspace?: string;
  readonly limits?: Partial<RunLimits>;
}

export interface CallbackSpec {
  readonly url: string;
  readonly events?: readonly CallbackEvent[];
}
export type CallbackEvent = 'converged' | 'failed' | 'cancelled' | 'awaiting_approval';

/** The body of POST /v1/runs. */
export interface RunSpec {
  /** What the run is for; optional with `workflow` (the saved workflow's description stands in). */
  readonly task?: string;
  /** Run the saved workflow of this name (DW_WORKFLOWS_DIR) instead of planning a script. */
  readonly workflow?: string;
  readonly input?: unknown;
  readonly script?: string;
  readonly options?: RunOptions;
  readonly callback?: CallbackSpec;
}

export { addUsage, emptyUsage, totalTokens, type Usage } from './usage';

export interface AgentCounts {
  queued: number;
  active: number;
  done: number;
  failed: number;
  total: number;
}

/** GET /v1/runs/:id */
export interface RunRecord {
  readonly id: string;
  status: RunStatus;
  phase: string | null;
  task: string;
  input: unknown;
  options: RunOptions;
  limits: RunLimits;
  counts: AgentCounts;
  usage: Usage;
  result: unknown;
  error: ErrorInfo | null;
  /** The run whose journal this run reuses (rerun), if any. */
  parentId: string | null;
  /** The saved workflow the run's script came from (`workflow` in the start body); absent on older records. */
  workflow?: string | null;
  meta: ScriptMeta | null;
  createdAt: string;
  updatedAt: string;
  /** Whether a script exists yet (planned or supplied). */
  hasScript: boolean;
  approval: { approved: boolean; comment: string | null } | null;
  paused: boolean;
  /** Pre-flight estimate shown at the plan gate. */
  estimate: { agents: number | null; usd: number | null } | null;
  /** When the script's deadline passes: fixed when the script first starts, kept across restarts. */
  deadlineAt: string | null;
}

/** One phase of `meta.phases` written as an object (Claude Code's form); `title` is what phase() names. */
export interface PhaseDetail {
  readonly title: string;
  readonly detail?: string;
  readonly model?: string;
}

/**
 * A script's `meta` as the run record keeps it. `phases` is always a list of titles (a script may
 * write `{title, detail?, model?}` objects, Claude Code's form); when it wrote objects,
 * `phaseDetails` keeps them in the same order.
 */
export interface ScriptMeta {
  readonly name?: string;
  readonly description?: string;
  /** When a planner or a person should pick this script (Claude Code's `whenToUse`). */
  readonly whenToUse?: string;
  readonly phases?: readonly string[];
  readonly phaseDetails?: readonly PhaseDetail[];
  readonly [k: string]: unknown;
}

export type { AgentEffort } from './names';

/** What a script passes to workflow(): a saved workflow's name, or a script inside the workflows folder. */
export type WorkflowRef = string | { readonly scriptPath: string };

/** Options a script passes to agent(). */
export interface AgentOptions {
  readonly label?: string;
  readonly phase?: string;
  readonly schema?: Record<string, unknown>;
  /** A model id, or an alias (`haiku`, `sonnet`, `opus`) resolved per provider by core/models.ts. */
  readonly model?: string;
  readonly system?: string;
  readonly tools?: readonly string[];
  readonly maxTurns?: number;
  /** An extended-thinking budget (agents/runner.ts); recorded only for schema agents, whose forced tool excludes thinking. */
  readonly effort?: AgentEffort;
  /** `general-purpose` (the default) or a type from DW_AGENT_TYPES; any other fails the agent with `unknown_agent_type`. */
  readonly agentType?: string;
  /** `worktree`: the agent works in its own copy of the run's writable workspace (isolation/). */
  readonly isolation?: AgentIsolationMode;
}

/** Where an isolated agent's copy of the workspace went when the agent ended. */
export interface AgentIsolation {
  /** `worktree` when the workspace is a git repository (a `git worktree`), else `copy` (a plain copy). */
  readonly kind: 'worktree' | 'copy';
  /** Whether the agent changed any file of its copy. Unchanged copies are removed. */
  readonly changed: boolean;
  /** The kept copy (absolute, under the data folder); null once removed. */
  readonly path: string | null;
  /** The branch holding the agent's changes (`dw/<runId>/<seq>`), worktrees only. */
  readonly branch: string | null;
  /** The commit on that branch. */
  readonly commit: string | null;
}

export type AgentStatus = 'queued' | 'active' | 'done' | 'failed' | 'cancelled';
export const AGENT_STATUSES: readonly AgentStatus[] = ['queued', 'active', 'done', 'failed', 'cancelled'];

/** One row of GET /v1/runs/:id/agents, and of the journal. */
export interface AgentRecord {
  readonly runId: string;
  readonly seq: number;
  readonly fingerprint: string;
  /** The n-th call with this fingerprint in the run (0-based): duplicates replay in order. */
  readonly occurrence: number;
  label: string | null;
  phase: string | null;
  prompt: string;
  tools: string[];
  model: string;
  /** The `effort` the script asked for; absent on records written before it existed. */
  effort?: AgentEffort | null;
  /** The `agentType` the script asked for; absent on records written before it existed. */
  agentType?: string | null;
  /** The copy an `isolation: 'worktree'` agent worked in, once it ended; absent otherwise. */
  isolation?: AgentIsolation | null;
  status: AgentStatus;
  result: unknown;
  error: ErrorInfo | null;
  usage: Usage;
  /** Whether the result came from the journal rather than a model call. */
  replayed: boolean;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
}

/** Events of a run, as stored and streamed over SSE. */
export type RunEvent =
  | { type: 'run.status'; status: RunStatus; error?: ErrorInfo | null }
  | { type: 'run.script'; source: 'planner' | 'user' | 'rerun' | 'workflow'; workflow?: string }
  | { type: 'phase'; name: string }
  | { type: 'agent.queued'; seq: number; label: string | null; phase: string | null }
  | { type: 'agent.started'; seq: number; label: string | null; phase: string | null }
  | { type: 'agent.completed'; seq: number; label: string | null; phase: string | null; usage: Usage; replayed: boolean }
  | { type: 'agent.failed'; seq: number; label: string | null; phase: string | null; error: ErrorInfo }
  | { type: 'agent.retry'; seq: number; attempt: number; reason: string; delayMs: number }
  | { type: 'log'; message: string }
  | { type: 'budget'; usage: Usage; counts: AgentCounts }
  | { type: 'throttle'; concurrency: number; reason: string }
  | { type: 'verify.round'; helper: string; round: number; agreement: number | null; survivors: number | null; detail?: unknown }
  | { type: 'callback.delivered'; url: string; status: RunStatus; httpStatus: number; groupId?: string }
  | { type: 'callback.failed'; url: string; status: RunStatus; reason: string; groupId?: string };

export interface StoredEvent {
  /** Global, strictly increasing across all runs: the SSE id. */
  readonly id: number;
  readonly runId: string;
  readonly at: string;
  readonly event: RunEvent;
}
