import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { FencedOutError, RunNotFoundError } from '../errors/errors';
import type { RunRecord, RunSpec } from '../core/types';
import { ChildScripts } from './child-scripts';
import { EventLog } from './events';
import { Journal } from './journal';
import { McpToolLists } from './mcp-tools';
import { pruneRuns } from './retention';
import { RunStore } from './runs';
import type { CommittedStep, EventReads, JournalReads, RunReads, StepWrite, Store } from './store';

/**
 * The embedded store: one SQLite database (`db.ts`), written synchronously inside each call, so a
 * returned promise is already settled and the write already committed (WAL, synchronous=NORMAL:
 * durable across a process crash). The sync classes it wraps stay usable by code that has the
 * database itself (`prune`, tests).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly runs: RunReads;
  readonly journal: JournalReads;
  readonly events: EventReads;
  readonly childScripts: Store['childScripts'];
  readonly mcpTools: Store['mcpTools'];
  private readonly runStore: RunStore;
  private readonly journalStore: Journal;
  private readonly eventLog: EventLog;
  private readonly fenceStmt: StatementSync;

  constructor(readonly db: DatabaseSync) {
    this.runStore = new RunStore(db);
    this.journalStore = new Journal(db);
    this.eventLog = new EventLog(db);
    const runs = this.runStore;
    const journal = this.journalStore;
    const events = this.eventLog;
    const child = new ChildScripts(db);
    const tools = new McpToolLists(db);
    this.fenceStmt = db.prepare('UPDATE runs SET fence = ? WHERE id = ? AND fence <= ?');
    this.runs = {
      get: async (id) => runs.get(id),
      script: async (id) => runs.script(id),
      spec: async (id) => runs.spec(id),
      list: async (q) => runs.list(q),
      unfinished: async () => runs.unfinished(),
    };
    this.journal = {
      get: async (runId, seq) => journal.get(runId, seq),
      find: async (runId, fp, occurrence) => journal.find(runId, fp, occurrence),
      maxSeq: async (runId) => journal.maxSeq(runId),
      list: async (runId, q) => journal.list(runId, q),
    };
    this.events = {
      since: async (runId, afterId, limit) => events.since(runId, afterId, limit),
      totals: async (runId) => events.totals(runId),
      subscribe: (runId, listener) => events.subscribe(runId, listener),
    };
    this.childScripts = { get: async (runId, ref) => child.get(runId, ref), record: async (entry) => child.record(entry) };
    this.mcpTools = {
      load: async (runId, server) => tools.load(runId, server),
      save: async (runId, server, list) => tools.save(runId, server, list),
    };
  }

  async insertRun(run: RunRecord, spec: RunSpec, script: string | null): Promise<void> {
    this.runStore.insert(run, spec, script);
  }

  async setScript(runId: string, script: string): Promise<void> {
    this.runStore.setScript(runId, script);
  }

  async commit(step: StepWrite): Promise<CommittedStep> {
    return this.commitSync(step);
  }

  /** `commit` for callers on the embedded path that hold the database already. */
  commitSync(step: StepWrite): CommittedStep {
    return this.journalStore.transaction(() => {
      if (step.fence) this.checkFence(step.fence.runId, step.fence.token);
      for (const a of step.agents ?? []) this.journalStore.write(a);
      if (step.run) this.runStore.update(step.run);
      return { events: (step.events ?? []).map((e) => this.eventLog.append(e.runId, e.event, e.data)) };
    });
  }

  private checkFence(runId: string, token: number): void {
    if (Number(this.fenceStmt.run(token, runId, token).changes) > 0) return;
    const row = this.db.prepare('SELECT fence FROM runs WHERE id = ?').get(runId) as { fence: number } | undefined;
    if (!row) throw new RunNotFoundError(runId);
    throw new FencedOutError(runId, token, row.fence);
  }

  async prune(opts: Parameters<Store['prune']>[0]) {
    return pruneRuns(this.db, opts);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
