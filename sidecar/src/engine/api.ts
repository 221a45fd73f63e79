import type { AgentRecord, AgentStatus, RunRecord, RunSpec, RunStatus, StoredEvent } from '../core/types';
import type { SavedWorkflow, SavedWorkflowSummary } from '../store/workflows';

export interface ListRunsQuery {
  readonly status?: RunStatus;
  /** @default 50, at most 500 */
  readonly limit?: number;
  /** Opaque cursor from a previous page's nextCursor. */
  readonly cursor?: string;
}

export interface ListAgentsQuery {
  readonly status?: AgentStatus;
  readonly offset?: number;
  /** @default 100, at most 1000 */
  readonly limit?: number;
}

export type EventListener = (e: StoredEvent) => void;

/** The body of POST /v1/workflows: a script, or the id of a run whose script to save. */
export interface SaveWorkflowRequest {
  readonly name: string;
  readonly script?: string;
  readonly fromRun?: string;
  /** Replace a saved workflow of the same name. @default false (`workflow_exists`, 409) */
  readonly replace?: boolean;
}

/** Saved workflows (DW_WORKFLOWS_DIR): named scripts, run by name or called with workflow(). */
export interface WorkflowsApi {
  list(): SavedWorkflowSummary[];
  /** @throws WorkflowNotFoundError */
  get(name: string): SavedWorkflow;
  /** Checks the script like a run's; @throws WorkflowExistsError unless `replace`. */
  save(req: SaveWorkflowRequest): Promise<{ workflow: SavedWorkflow; created: boolean }>;
  /** @throws WorkflowNotFoundError */
  delete(name: string): void;
}

/**
 * What the HTTP service (and the CLI) need of the engine. Methods throw DwError subclasses
 * (RunNotFoundError, InvalidStateError, ValidationError …) that the HTTP layer maps by code.
 */
export interface EngineApi {
  /** Validates the spec, stores the run, returns at once (status queued/planning/running). */
  start(spec: RunSpec): Promise<RunRecord>;
  get(id: string): Promise<RunRecord>;
  list(q: ListRunsQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }>;
  /** The run's script, or null while it is still being planned. */
  script(id: string): Promise<string | null>;
  agents(id: string, q: ListAgentsQuery): Promise<{ agents: AgentRecord[]; total: number }>;
  cancel(id: string, reason?: string): Promise<RunRecord>;
  approve(id: string, decision: { approved: boolean; comment?: string }): Promise<RunRecord>;
  /** A new run from this run's script (or `script`, edited), reusing matching journal entries. */
  rerun(id: string, opts: { script?: string; input?: unknown }): Promise<RunRecord>;
  pause(id: string): Promise<RunRecord>;
  resume(id: string): Promise<RunRecord>;
  /** Runs one failed agent again: the run replays from its journal with that agent's new result. */
  restartAgent(id: string, seq: number): Promise<RunRecord>;
  /** Stored events after `afterId` (exclusive), for one run or (runId null) all runs. */
  events(runId: string | null, afterId: number, limit?: number): Promise<StoredEvent[]>;
  /** Live events as they are stored; returns an unsubscribe function. */
  subscribe(runId: string | null, listener: EventListener): () => void;
  /** The saved workflows; `start({ workflow })` runs one by name. */
  readonly workflows: WorkflowsApi;
  /** Agents in flight across the sidecar right now (for metrics and the global cap). */
  inFlight(): number;
  close(): Promise<void>;
}
