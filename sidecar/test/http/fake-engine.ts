import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EngineApi, EventListener, ListAgentsQuery, ListRunsQuery } from '../../src/engine/api';
import { SavedWorkflows } from '../../src/engine/workflows';
import {
  emptyUsage,
  isTerminal,
  type AgentRecord,
  type RunEvent,
  type RunRecord,
  type RunSpec,
  type RunStatus,
  type StoredEvent,
} from '../../src/core/types';
import { AgentNotFoundError, InvalidStateError, RunNotFoundError, ValidationError } from '../../src/errors/errors';

const LIMITS = { maxParallel: 16, maxAgents: 1000, maxTokens: 2_000_000, maxUsd: 25, deadlineMs: 3_600_000, cpuMs: 10_000, memoryMb: 128 };

/** An in-memory EngineApi for HTTP tests: records calls, stores events, notifies subscribers synchronously. */
export class FakeEngine implements EngineApi {
  readonly runs = new Map<string, RunRecord>();
  readonly scripts = new Map<string, string>();
  /** The real saved workflows, in a folder of their own (removed by dispose()). */
  readonly workflowsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-fake-workflows-'));
  readonly workflows = new SavedWorkflows(this.workflowsDir, async (id) => {
    if (!this.runs.has(id)) throw new RunNotFoundError(id);
    const script = this.scripts.get(id);
    if (script === undefined) throw new InvalidStateError(`Run ${id} has no script yet`);
    return script;
  });
  readonly agentLogs = new Map<string, AgentRecord[]>();
  readonly stored: StoredEvent[] = [];
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  private readonly listeners = new Set<{ runId: string | null; fn: EventListener; internal: boolean }>();
  private nextRun = 1;
  private nextEvent = 1;
  inFlightCount = 0;
  /** Runs inside events(), before and after the store is read: lets tests store events mid-replay. */
  eventsHooks: { before?: () => void; after?: () => void } = {};
  /** Makes the next call of this method throw (for error-mapping tests). */
  failNext: { method: string; error: unknown } | null = null;

  /** Subscriptions opened through subscribe() (the HTTP layer's event streams). */
  get listenerCount(): number {
    return [...this.listeners].filter((l) => !l.internal).length;
  }

  /** Subscriptions of the sidecar's own services (the callback service), counted apart from streams. */
  get serviceListenerCount(): number {
    return [...this.listeners].filter((l) => l.internal).length;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = null;
      throw error;
    }
  }

  /** Adds a run directly (no call recorded), in any state. */
  seed(overrides: Partial<RunRecord> & { status?: RunStatus } = {}, script: string | null = 'return 1;'): RunRecord {
    const id = overrides.id ?? `run-${String(this.nextRun++).padStart(4, '0')}`;
    const at = new Date(Date.UTC(2025, 0, 1, 0, 0, this.runs.size)).toISOString();
    const run: RunRecord = {
      id,
      status: 'running',
      phase: null,
      task: 'a task',
      input: null,
      options: {},
      limits: { ...LIMITS },
      counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 },
      usage: emptyUsage(),
      result: null,
      error: null,
      parentId: null,
      meta: null,
      createdAt: at,
      updatedAt: at,
      hasScript: script !== null,
      approval: null,
      paused: false,
      estimate: null,
      deadlineAt: null,
      ...overrides,
    };
    this.runs.set(id, run);
    if (script !== null) this.scripts.set(id, script);
    return run;
  }

  emit(runId: string, event: RunEvent): StoredEvent {
    const stored: StoredEvent = { id: this.nextEvent++, runId, at: new Date().toISOString(), event };
    this.stored.push(stored);
    for (const l of [...this.listeners]) if (l.runId === null || l.runId === runId) l.fn(stored);
    return stored;
  }

  setStatus(id: string, status: RunStatus, patch: Partial<RunRecord> = {}): RunRecord {
    const run = this.getNow(id);
    Object.assign(run, patch, { status, updatedAt: new Date().toISOString() });
    this.emit(id, { type: 'run.status', status });
    return run;
  }

  async start(spec: RunSpec): Promise<RunRecord> {
    this.record('start', spec);
    const run = this.seed(
      { task: spec.task, input: spec.input ?? null, options: spec.options ?? {}, status: spec.script ? 'running' : 'planning' },
      spec.script ?? null,
    );
    this.emit(run.id, { type: 'run.status', status: run.status });
    return run;
  }

  async get(id: string): Promise<RunRecord> {
    return this.getNow(id);
  }

  getNow(id: string): RunRecord {
    const run = this.runs.get(id);
    if (!run) throw new RunNotFoundError(id);
    return run;
  }

  async list(q: ListRunsQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    return this.listNow(q);
  }

  listNow(q: ListRunsQuery): { runs: RunRecord[]; nextCursor: string | null } {
    this.record('list', q);
    const all = [...this.runs.values()].reverse().filter((r) => !q.status || r.status === q.status);
    let start = 0;
    if (q.cursor !== undefined) {
      const after = Buffer.from(q.cursor, 'base64url').toString();
      start = all.findIndex((r) => r.id === after) + 1;
      if (start === 0) throw new ValidationError('Invalid `cursor`');
    }
    const limit = q.limit ?? 50;
    const runs = all.slice(start, start + limit);
    const last = runs[runs.length - 1];
    return { runs, nextCursor: start + limit < all.length && last ? Buffer.from(last.id).toString('base64url') : null };
  }

  async script(id: string): Promise<string | null> {
    return this.scriptNow(id);
  }

  scriptNow(id: string): string | null {
    this.getNow(id);
    return this.scripts.get(id) ?? null;
  }

  async agents(id: string, q: ListAgentsQuery): Promise<{ agents: AgentRecord[]; total: number }> {
    return this.agentsNow(id, q);
  }

  agentsNow(id: string, q: ListAgentsQuery): { agents: AgentRecord[]; total: number } {
    this.record('agents', id, q);
    this.getNow(id);
    const all = (this.agentLogs.get(id) ?? []).filter((a) => !q.status || a.status === q.status);
    const offset = q.offset ?? 0;
    return { agents: all.slice(offset, offset + (q.limit ?? 100)), total: all.length };
  }

  async cancel(id: string, reason?: string): Promise<RunRecord> {
    this.record('cancel', id, reason);
    const run = this.getNow(id);
    if (isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is already ${run.status}`);
    return this.setStatus(id, 'cancelled', { error: { code: 'cancelled', message: reason ?? 'Run cancelled' } });
  }

  async approve(id: string, decision: { approved: boolean; comment?: string }): Promise<RunRecord> {
    this.record('approve', id, decision);
    const run = this.getNow(id);
    if (run.status !== 'awaiting_approval') throw new InvalidStateError(`Run ${id} is not awaiting approval`);
    run.approval = { approved: decision.approved, comment: decision.comment ?? null };
    return this.setStatus(id, decision.approved ? 'running' : 'cancelled');
  }

  async rerun(id: string, opts: { script?: string; input?: unknown }): Promise<RunRecord> {
    this.record('rerun', id, opts);
    const parent = this.getNow(id);
    const script = opts.script ?? this.scripts.get(id) ?? null;
    if (script === null) throw new InvalidStateError(`Run ${id} has no script to rerun`);
    return this.seed({ task: parent.task, input: 'input' in opts ? opts.input : parent.input, parentId: id }, script);
  }

  async pause(id: string): Promise<RunRecord> {
    this.record('pause', id);
    const run = this.getNow(id);
    run.paused = true;
    return run;
  }

  async resume(id: string): Promise<RunRecord> {
    this.record('resume', id);
    const run = this.getNow(id);
    run.paused = false;
    return run;
  }

  async restartAgent(id: string, seq: number): Promise<RunRecord> {
    this.record('restartAgent', id, seq);
    const run = this.getNow(id);
    if (!(this.agentLogs.get(id) ?? []).some((a) => a.seq === seq)) throw new AgentNotFoundError(id, seq);
    return run;
  }

  async events(runId: string | null, afterId: number, limit = 1000): Promise<StoredEvent[]> {
    return this.eventsNow(runId, afterId, limit);
  }

  eventsNow(runId: string | null, afterId: number, limit = 1000): StoredEvent[] {
    this.eventsHooks.before?.();
    const page = this.stored.filter((e) => e.id > afterId && (runId === null || e.runId === runId)).slice(0, limit);
    this.eventsHooks.after?.();
    return page;
  }

  subscribe(runId: string | null, fn: EventListener): () => void {
    return this.addListener(runId, fn, false);
  }

  /** The subscription the harness hands to the callback service. */
  subscribeService(runId: string | null, fn: EventListener): () => void {
    return this.addListener(runId, fn, true);
  }

  private addListener(runId: string | null, fn: EventListener, internal: boolean): () => void {
    const entry = { runId, fn, internal };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  inFlight(): number {
    return this.inFlightCount;
  }

  async close(): Promise<void> {}

  dispose(): void {
    fs.rmSync(this.workflowsDir, { recursive: true, force: true });
  }
}
