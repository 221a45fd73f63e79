import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import pLimit, { type LimitFunction } from 'p-limit';
import {
  AgentNotFoundError, DwError, InvalidStateError, RunCancelledError, RunNotFoundError, ScriptCheckError, ValidationError,
  DeadlineError, toErrorInfo,
} from '../errors/errors';
import type { SidecarConfig } from '../config/config';
import { DEFAULT_RETRY, type ModelCallHooks, type RetryPolicy } from '../agents/model-call';
import { PrefixWarmup } from '../agents/prefix-warmup';
import { addUsage } from '../core/usage';
import { planScript } from '../planner/planner';
import { estimatePlan } from '../planner/estimate';
import type { ModelProvider } from '../providers/types';
import { checkScript } from '../sandbox';
import type { CheckedScript, ScriptSandbox } from '../sandbox/types';
import { resolveWorkspace } from '../tools';
import type { ToolContext } from '../tools/types';
import { EventLog } from '../store/events';
import { Journal } from '../store/journal';
import { RunStore } from '../store/runs';
import type { EngineApi, EventListener, ListAgentsQuery, ListRunsQuery } from './api';
import { resolveLimits } from './limits';
import { TOOL_NAMES, isToolName } from '../core/names';
import { RunContext } from './run-context';
import {
  emptyUsage, isTerminal, type AgentRecord, type RunEvent, type RunRecord, type RunSpec, type RunStatus,
  type StoredEvent, type Usage,
} from '../core/types';


/** What the engine is built from; the composition root (cli/serve) wires the real ones. */
export interface EngineDeps {
  readonly config: SidecarConfig;
  readonly db: DatabaseSync;
  readonly provider: ModelProvider;
  readonly sandbox: ScriptSandbox;
  /** Told of every status change, to deliver callbacks (the HTTP route registers them). */
  readonly callbacks?: { notify(run: RunRecord): void };
  readonly metrics?: { recordModelError(kind: string): void; recordUsage(u: Usage): void };
  readonly retry?: RetryPolicy;
  /** fetch for http_get (tests inject one). */
  readonly fetch?: typeof fetch;
}

/** The run lifecycle: queued → planning → awaiting_approval? → running → converged | failed | cancelled. */
export class Engine implements EngineApi {
  private readonly runs: RunStore;
  private readonly journal: Journal;
  private readonly log: EventLog;
  private readonly globalLimit: LimitFunction;
  private readonly active = new Map<string, RunContext>();
  /** The record object of each executing run: every writer shares it, so none overwrites another's fields. */
  private readonly live = new Map<string, RunRecord>();
  private readonly executing = new Map<string, Promise<void>>();
  private readonly warmup = new PrefixWarmup();
  private readonly lastBudgetEvent = new Map<string, number>();
  private inflight = 0;
  private closed = false;

  constructor(private readonly deps: EngineDeps) {
    this.runs = new RunStore(deps.db);
    this.journal = new Journal(deps.db);
    this.log = new EventLog(deps.db);
    this.globalLimit = pLimit(deps.config.globalMaxParallel);
  }

  /** Resumes every run that was unfinished when the process stopped (replay from the journal). */
  resumeUnfinished(): number {
    const runs = this.runs.unfinished();
    for (const run of runs) {
      this.emit(run.id, { type: 'log', message: `Sidecar restarted: resuming from ${run.status}` });
      this.schedule(run.id);
    }
    return runs.length;
  }

  async start(spec: RunSpec): Promise<RunRecord> {
    this.assertOpen();
    const checked = this.validate(spec);
    const now = new Date().toISOString();
    const run: RunRecord = {
      id: randomUUID(), status: 'queued', phase: null, task: spec.task, input: spec.input ?? null,
      options: spec.options ?? {}, limits: checked.limits,
      counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 }, usage: emptyUsage(), result: null, error: null,
      parentId: null, meta: checked.script?.meta ?? null, createdAt: now, updatedAt: now, hasScript: !!checked.script,
      approval: null, paused: false, estimate: null,
    };
    return this.create(run, spec, checked.script, checked.script ? 'user' : null);
  }

  get(id: string): RunRecord {
    const run = this.live.get(id) ?? this.runs.get(id);
    if (!run) throw new RunNotFoundError(id);
    return run;
  }

  list(q: ListRunsQuery): { runs: RunRecord[]; nextCursor: string | null } {
    const limit = Math.min(500, Math.max(1, q.limit ?? 50));
    let before: number | undefined;
    if (q.cursor !== undefined) {
      before = Number(q.cursor);
      if (!Number.isInteger(before) || before < 0) throw new ValidationError('Invalid `cursor`');
    }
    const page = this.runs.list({ status: q.status, limit, before });
    return { runs: page.runs, nextCursor: page.last === null ? null : String(page.last) };
  }

  script(id: string): string | null {
    this.get(id);
    return this.runs.script(id);
  }

  agents(id: string, q: ListAgentsQuery): { agents: AgentRecord[]; total: number } {
    this.get(id);
    return this.journal.list(id, {
      status: q.status, offset: Math.max(0, q.offset ?? 0), limit: Math.min(1000, Math.max(1, q.limit ?? 100)),
    });
  }

  async cancel(id: string, reason = 'Cancelled by request'): Promise<RunRecord> {
    const run = this.get(id);
    if (isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is already ${run.status}`);
    const ctx = this.active.get(id);
    const err = new RunCancelledError(reason);
    if (ctx) {
      ctx.abort(err);
      await this.executing.get(id)?.catch(() => undefined);
      return this.get(id);
    }
    // Not executing (queued, planning before a context exists, or waiting for approval).
    const pending = this.executing.get(id);
    this.finish(run, 'cancelled', null, err.toJSON());
    await pending?.catch(() => undefined);
    return this.get(id);
  }

  async approve(id: string, decision: { approved: boolean; comment?: string }): Promise<RunRecord> {
    const run = this.get(id);
    if (run.status !== 'awaiting_approval') throw new InvalidStateError(`Run ${id} is ${run.status}, not awaiting_approval`);
    run.approval = { approved: decision.approved, comment: decision.comment ?? null };
    if (!decision.approved) {
      this.finish(run, 'cancelled', null, { code: 'plan_denied', message: decision.comment ? `Plan denied: ${decision.comment}` : 'Plan denied' });
      return this.get(id);
    }
    this.save(run);
    this.emit(id, { type: 'log', message: `Plan approved${decision.comment ? `: ${decision.comment}` : ''}` });
    this.schedule(id);
    return this.get(id);
  }

  async rerun(id: string, opts: { script?: string; input?: unknown }): Promise<RunRecord> {
    const parent = this.get(id);
    const source = opts.script ?? this.runs.script(id);
    if (!source) throw new InvalidStateError(`Run ${id} has no script yet`);
    const script = checkScript(source);
    const spec: RunSpec = { ...(this.runs.spec(id) ?? { task: parent.task }), script: source, input: opts.input ?? parent.input };
    const now = new Date().toISOString();
    const run: RunRecord = {
      ...parent, id: randomUUID(), status: 'queued', phase: null, input: spec.input ?? null,
      counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 }, usage: emptyUsage(), result: null, error: null,
      parentId: parent.id, meta: script.meta, createdAt: now, updatedAt: now, hasScript: true, approval: null, paused: false,
      estimate: null,
    };
    return this.create(run, { ...spec, callback: undefined }, script, 'rerun');
  }

  async pause(id: string): Promise<RunRecord> {
    return this.setPaused(id, true);
  }

  async resume(id: string): Promise<RunRecord> {
    return this.setPaused(id, false);
  }

  async restartAgent(id: string, seq: number): Promise<RunRecord> {
    const run = this.get(id);
    const rec = this.journal.get(id, seq);
    if (!rec) throw new AgentNotFoundError(id, seq);
    if (rec.status !== 'failed') throw new InvalidStateError(`Agent ${seq} of run ${id} is ${rec.status}; only a failed agent can be restarted`);
    if (!isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is ${run.status}; restart an agent once the run has ended`);
    // Back to "issued": the replay finds it unfinished and dispatches it again.
    this.journal.write({ ...rec, status: 'queued', error: null, result: null });
    run.result = null;
    run.error = null;
    this.setStatus(run, 'running');
    this.emit(id, { type: 'log', message: `Agent ${seq} restarted: replaying the run from its journal` });
    this.schedule(id);
    return this.get(id);
  }

  events(runId: string | null, afterId: number, limit?: number): StoredEvent[] {
    if (runId !== null) this.get(runId);
    return this.log.since(runId, afterId, limit);
  }

  subscribe(runId: string | null, listener: EventListener): () => void {
    return this.log.subscribe(runId, listener);
  }

  inFlight(): number {
    return this.inflight;
  }

  /** Stores an event from outside the engine (callback deliveries) in the run's stream. */
  record(runId: string, e: RunEvent): void {
    this.emit(runId, e);
  }

  /** Waits for a run to reach a terminal state (CLI, tests). */
  async waitFor(id: string, statuses: readonly RunStatus[] = ['converged', 'failed', 'cancelled']): Promise<RunRecord> {
    const current = this.get(id);
    if (statuses.includes(current.status)) return current;
    return new Promise((resolve) => {
      const off = this.subscribe(id, (e) => {
        if (e.event.type === 'run.status' && statuses.includes(e.event.status)) {
          off();
          resolve(this.get(id));
        }
      });
    });
  }

  /** Stops executing; unfinished runs stay unfinished in the store and resume on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const ctx of this.active.values()) ctx.abort(new DwError('shutdown', 'Sidecar shutting down', 503));
    await Promise.allSettled([...this.executing.values()]);
  }

  private create(run: RunRecord, spec: RunSpec, script: CheckedScript | null, source: 'user' | 'rerun' | null): RunRecord {
    this.runs.insert(run, spec, script?.source ?? null);
    this.emit(run.id, { type: 'run.status', status: 'queued' });
    if (source) this.emit(run.id, { type: 'run.script', source });
    this.schedule(run.id);
    return run;
  }

  private validate(spec: RunSpec): { limits: RunRecord['limits']; script: CheckedScript | null } {
    if (!spec || typeof spec.task !== 'string' || !spec.task.trim()) throw new ValidationError('`task` must be a non-empty string');
    const tools = spec.options?.tools ?? [];
    for (const t of tools) if (!isToolName(t)) throw new ValidationError(`Unknown tool \`${t}\`; known tools: ${TOOL_NAMES.join(', ')}`);
    if (spec.options?.workspace !== undefined) resolveWorkspace([...this.deps.config.workspaceRoots], spec.options.workspace);
    const limits = resolveLimits(this.deps.config, spec.options?.limits);
    let script: CheckedScript | null = null;
    if (spec.script !== undefined) {
      try {
        script = checkScript(spec.script);
      } catch (err) {
        if (err instanceof ScriptCheckError) throw err;
        throw new ScriptCheckError(toErrorInfo(err).message);
      }
    }
    return { limits, script };
  }

  private setPaused(id: string, paused: boolean): RunRecord {
    const run = this.get(id);
    if (isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is already ${run.status}`);
    run.paused = paused;
    const ctx = this.active.get(id);
    if (ctx) { if (paused) ctx.pauseGate.close(); else ctx.pauseGate.open(); }
    this.save(run);
    this.emit(id, { type: 'log', message: paused ? 'Paused: no new agents are dispatched' : 'Resumed' });
    return run;
  }

  private schedule(id: string): void {
    if (this.executing.has(id) || this.closed) return;
    const p = this.execute(id)
      .catch((err: unknown) => {
        const run = this.runs.get(id);
        if (run && !isTerminal(run.status)) this.finish(run, 'failed', null, toErrorInfo(err));
      })
      .finally(() => { this.executing.delete(id); this.active.delete(id); this.live.delete(id); this.lastBudgetEvent.delete(id); });
    this.executing.set(id, p);
  }

  private async execute(id: string): Promise<void> {
    await Promise.resolve();
    let run = this.get(id);
    this.live.set(id, run);
    if (isTerminal(run.status) || (run.status === 'awaiting_approval' && !run.approval?.approved)) return;
    const planningController = new AbortController();
    const model = run.options.model ?? this.deps.config.model ?? this.deps.provider.defaultModel;
    let source = this.runs.script(id);

    if (!source) {
      this.setStatus(run, 'planning');
      const unsub = this.subscribe(id, (e) => {
        if (e.event.type === 'run.status' && isTerminal(e.event.status)) planningController.abort(new RunCancelledError());
      });
      try {
        const planned = await planScript(
          { task: run.task, input: run.input, tools: run.options.tools ?? [], maxAgents: run.limits.maxAgents, model },
          { provider: this.deps.provider, retry: this.retry(), hooks: this.hooks(), repairs: this.deps.config.planRepairs },
          planningController.signal,
        );
        run = this.get(id);
        if (isTerminal(run.status)) return;
        addUsage(run.usage, planned.usage);
        source = planned.script.source;
        this.runs.setScript(id, source);
        run.hasScript = true;
        run.meta = planned.script.meta;
        this.emit(id, { type: 'run.script', source: 'planner' });
        if (planned.summary) this.emit(id, { type: 'log', message: `Plan: ${planned.summary}` });
      } catch (err) {
        run = this.get(id);
        if (isTerminal(run.status)) return;
        const u = (err as { usage?: Usage }).usage;
        if (u) addUsage(run.usage, u);
        throw err;
      } finally {
        unsub();
      }
    }

    if (run.options.approvePlan && !run.approval?.approved) {
      run.estimate = estimatePlan(source, run.input, run.options.agentModel ?? model, run.limits.maxAgents);
      this.setStatus(run, 'awaiting_approval');
      return;
    }
    await this.runScript(run, checkScript(source));
  }

  private async runScript(run: RunRecord, script: CheckedScript): Promise<void> {
    const ctx = new RunContext(run, {
      journal: this.journal,
      globalLimit: this.globalLimit,
      agentDeps: { provider: this.deps.provider, toolContext: this.toolContext(run), retry: this.retry(), hooks: this.hooks(), warmup: this.warmup },
      allowedTools: run.options.tools ?? [],
      defaultModel: this.deps.config.agentModel ?? this.deps.provider.defaultModel,
      emit: (e) => this.emit(run.id, e),
      save: () => this.saveThrottled(run),
      inFlight: { inc: () => { this.inflight++; }, dec: () => { this.inflight--; } },
      onUsage: (u) => this.deps.metrics?.recordUsage(u),
    });
    this.active.set(run.id, ctx);
    this.setStatus(run, 'running');
    const deadline = setTimeout(() => ctx.abort(new DeadlineError(run.limits.deadlineMs)), run.limits.deadlineMs);
    try {
      const outcome = await this.deps.sandbox.run({
        script, args: run.input, host: ctx, signal: ctx.signal,
        limits: {
          memoryMb: run.limits.memoryMb, cpuMs: run.limits.cpuMs, maxAgents: run.limits.maxAgents,
          maxItems: this.deps.config.maxItems, maxResultBytes: this.deps.config.maxResultBytes,
        },
      });
      const latest = this.runs.get(run.id);
      if (latest && isTerminal(latest.status)) return; // cancelled while waiting for approval etc.
      if (ctx.signal.aborted && (ctx.signal.reason as DwError | undefined)?.code === 'shutdown') return;
      run.counts.queued = 0;
      run.counts.active = 0;
      if (outcome.ok) this.finish(run, 'converged', outcome.result, null);
      else this.finish(run, outcome.error.code === 'cancelled' ? 'cancelled' : 'failed', null, outcome.error);
    } finally {
      clearTimeout(deadline);
      ctx.abort(new RunCancelledError('Run ended'));
    }
  }

  private toolContext(run: RunRecord): ToolContext {
    const ws = run.options.workspace;
    const workspaceDir = ws === undefined ? null : resolveWorkspace([...this.deps.config.workspaceRoots], ws);
    return {
      workspaceDir,
      allowWrite: ws !== undefined && (run.options.tools ?? []).includes('write_file') && this.deps.config.writableWorkspaces.includes(ws),
      allowedHosts: this.deps.config.allowedHosts,
      fetch: this.deps.fetch,
    };
  }

  private retry(): RetryPolicy {
    return this.deps.retry ?? { ...DEFAULT_RETRY, retries: this.deps.config.modelRetries };
  }

  private hooks(): ModelCallHooks {
    return { onError: (kind) => this.deps.metrics?.recordModelError(kind) };
  }

  private finish(run: RunRecord, status: RunStatus, result: unknown, error: RunRecord['error']): void {
    run.result = result ?? null;
    run.error = error;
    this.setStatus(run, status);
  }

  private setStatus(run: RunRecord, status: RunStatus): void {
    run.status = status;
    this.save(run);
    this.emit(run.id, { type: 'run.status', status, ...(run.error ? { error: run.error } : {}) });
    if (isTerminal(status)) this.emit(run.id, { type: 'budget', usage: run.usage, counts: run.counts });
    this.deps.callbacks?.notify(run);
  }

  private save(run: RunRecord): void {
    run.updatedAt = new Date().toISOString();
    this.runs.update(run);
  }

  /** Agent completions update the record every time; the budget event at most every 250 ms. */
  private saveThrottled(run: RunRecord): void {
    this.save(run);
    const now = Date.now();
    if (now - (this.lastBudgetEvent.get(run.id) ?? 0) >= 250) {
      this.lastBudgetEvent.set(run.id, now);
      this.emit(run.id, { type: 'budget', usage: run.usage, counts: run.counts });
    }
  }

  private emit(runId: string, e: RunEvent): void {
    this.log.append(runId, e);
  }

  private assertOpen(): void {
    if (this.closed) throw new DwError('shutting_down', 'The sidecar is shutting down', 503);
  }
}
