import type { McpToolInfo } from '../core/mcp';
import type { AgentRecord, AgentStatus, RunEvent, RunRecord, RunSpec, RunStatus, StoredEvent } from '../core/types';
import type { ChildScript } from './child-scripts';
import type { PruneOptions, PruneResult } from './retention';

/**
 * The sidecar's durable state behind one facade, with two implementations: the embedded SQLite
 * store (`sqlite-store.ts`, one process, `DW_DATA_DIR`) and Postgres (`postgres/`,
 * `DW_DATABASE_URL`, many processes). One facade rather than one object per table because the
 * writes that must be atomic cross tables — a journal row, the run record and the step's events
 * — and the facade's `commit` is where that atomicity (and, in queue mode, fencing) lives.
 *
 * Every method is async: Postgres is, and an interface that is sync for one backend and async for
 * the other would hide where a write may wait. A promise returned by `commit` resolves once the
 * step is durable (committed), so "`issued` before dispatch" and "`completed` before the script
 * sees the result" hold by awaiting it. The SQLite implementation does its work synchronously
 * inside the call and returns a settled promise: no thread hop, no measurable cost.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly runs: RunReads;
  readonly journal: JournalReads;
  readonly events: EventReads;
  readonly childScripts: ChildScriptJournal;
  readonly mcpTools: McpToolJournal;
  /** Inserts a new run record (status `queued`, or what the caller gives) with its request and script. */
  insertRun(run: RunRecord, spec: RunSpec, script: string | null): Promise<void>;
  setScript(runId: string, script: string): Promise<void>;
  /** Writes one step atomically: all of it is durable when the promise resolves, or none of it. */
  commit(step: StepWrite): Promise<CommittedStep>;
  /** Deletes old finished runs with all their rows (see `retention.ts`). */
  prune(opts: PruneOptions): Promise<PruneResult>;
  close(): Promise<void>;
}

/** One atomic write. Each part is optional; an empty step commits nothing. */
export interface StepWrite {
  /** Journal rows, written (inserted or replaced by `(runId, seq)`) in order. */
  readonly agents?: readonly AgentRecord[];
  /** The run record as it is after the step. */
  readonly run?: RunRecord;
  /**
   * Events to store, in order; each gets the next global id. `data` is the event's JSON when the
   * writer has it already (it counted the bytes), so it is not written out twice.
   */
  readonly events?: readonly { readonly runId: string; readonly event: RunEvent; readonly data?: string }[];
  /**
   * The writer's lease on the run: the store refuses the whole step (`fenced_out`) when a
   * writer with a newer token has written to this run since. Token 0 is "no lease" and always
   * passes while no lease was taken; the embedded sidecar never sets one.
   */
  readonly fence?: { readonly runId: string; readonly token: number };
}

export interface CommittedStep {
  /** The stored events with their ids and size in bytes, in the order given. */
  readonly events: readonly (StoredEvent & { readonly bytes: number })[];
}

export interface RunListQuery {
  readonly status?: RunStatus;
  readonly limit: number;
  /** The cursor: the `last` of the previous page. */
  readonly before?: number;
}

export interface RunReads {
  get(id: string): Promise<RunRecord | null>;
  script(id: string): Promise<string | null>;
  spec(id: string): Promise<RunSpec | null>;
  /** Newest first. */
  list(q: RunListQuery): Promise<{ runs: RunRecord[]; last: number | null }>;
  /** Runs that were not finished when their process last stopped, oldest first. */
  unfinished(): Promise<RunRecord[]>;
}

export interface JournalReads {
  get(runId: string, seq: number): Promise<AgentRecord | null>;
  find(runId: string, fingerprint: string, occurrence: number): Promise<AgentRecord | null>;
  maxSeq(runId: string): Promise<number>;
  list(runId: string, q: { status?: AgentStatus; offset: number; limit: number }): Promise<{ agents: AgentRecord[]; total: number }>;
}

export type EventListener = (e: StoredEvent) => void;

export interface EventReads {
  /**
   * Events with an id above `afterId`, oldest first (one run's, or every run's with `null`).
   * Ids are global and increasing, so a reader in another process resumes from the last id it saw.
   */
  since(runId: string | null, afterId: number, limit?: number): Promise<StoredEvent[]>;
  totals(runId: string): Promise<{ count: number; bytes: number }>;
  /**
   * Events as they commit, each once and in id order: SQLite, this process's; Postgres, those of
   * every process on the database and schema (a process's own are delivered before its `commit`
   * resolves, others' within milliseconds). Only events committed after the call are reported,
   * so a reader that must miss nothing subscribes first, then reads `since(lastId)`, holds live
   * events back until that read is done, and skips any id it has already sent (`http/sse.ts`).
   */
  subscribe(runId: string | null, listener: EventListener): () => void;
}

export interface ChildScriptJournal {
  get(runId: string, ref: string): Promise<ChildScript | null>;
  /** Keeps the first script recorded for (run, ref); returns the one that is recorded. */
  record(entry: ChildScript): Promise<ChildScript>;
}

export interface McpToolJournal {
  load(runId: string, server: string): Promise<McpToolInfo[] | null>;
  /** Stores the list unless one is stored already, and returns the one that is. */
  save(runId: string, server: string, tools: readonly McpToolInfo[]): Promise<McpToolInfo[]>;
}
