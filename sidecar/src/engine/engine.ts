import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  AgentNotFoundError,
  DwError,
  InvalidStateError,
  RunCancelledError,
  RunNotFoundError,
  ScriptCheckError,
  ValidationError,
  DeadlineError,
  toErrorInfo,
} from '../errors/errors';
import { LocalBudget } from '../cluster/local-budget';
import type { AgentBudget } from '../cluster/types';
import type { SidecarConfig } from '../config/config';
import {
  emptyUsage,
  isTerminal,
  type AgentRecord,
  type RunEvent,
  type RunRecord,
  type RunSpec,
  type RunStatus,
  type StoredEvent,
  type Usage,
} from '../core/types';
import { DEFAULT_RETRY, type ModelCallHooks, type RetryPolicy } from '../agents/model-call';
import { PrefixWarmup } from '../agents/prefix-warmup';
import type { Isolation } from '../isolation';
import type { ModelProvider } from '../providers/types';
import { checkScript } from '../sandbox';
import type { CheckedScript, ScriptSandbox } from '../sandbox/types';
import { resolveWorkspace } from '../tools';
import type { ToolContext } from '../tools/types';
import type { Store } from '../store/store';
import type { EngineApi, EventListener, ListAgentsQuery, ListRunsQuery } from './api';
import { isolationOf, leftoverCopies, type RunIsolation } from './isolation';
import { resolveLimits } from './limits';
import { logRunEvent } from './log-lines';
import { Planning } from './planning';
import { Replay } from './replay';
import { RunContext } from './run-context';
import { checkRunTools, mcpSessionFor } from './run-mcp';
import { RunRecords } from './run-records';
import { RunSlots } from './run-slots';
import { SavedWorkflows } from './workflows';

/** What the engine is built from; the composition root (cli/serve) wires the real ones. */
export interface EngineDeps {
  readonly config: SidecarConfig;
  /** Runs, journal and events: the embedded SQLite store or Postgres (queue mode). */
  readonly store: Store;
  readonly provider: ModelProvider;
  readonly sandbox: ScriptSandbox;
  readonly metrics?: { recordModelError(kind: string): void; recordUsage(u: Usage): void };
  readonly retry?: RetryPolicy;
  /** fetch for http_get (tests inject one). */
  readonly fetch?: typeof fetch;
  /**
   * Agents in flight across all runs (DW_GLOBAL_MAX_PARALLEL): shared by the cluster through Redis
   * when the composition root gives one (DW_REDIS_URL). @default in-process
   */
  readonly budget?: AgentBudget;
  /** Every run and agent state change is a log line (agents' at debug, failures at warn). */
  readonly logger?: Logger;
  /**
   * Queue mode: runs are executed by workers (`serve --role worker`), which take them from this
   * queue, rather than in this process. @default execute here
   */
  readonly dispatch?: RunDispatch;
  /** Queue mode: control requests reach the process executing the run. @default this process only */
  readonly control?: RemoteControl;
}

/** Where a run goes to be executed in queue mode (a BullMQ queue, `cluster/`). */
export interface RunDispatch {
  /** Queues the run for a worker; false when it is queued or executing already. */
  enqueue(runId: string): Promise<boolean>;
}

/** A control request of the API, carried to the process executing the run. */
export type ControlMessage =
  | { readonly op: 'cancel'; readonly reason?: string }
  | { readonly op: 'pause' }
  | { readonly op: 'resume' }
  | { readonly op: 'approve'; readonly approved: boolean; readonly comment?: string }
  | { readonly op: 'restartAgent'; readonly seq: number };

export interface RemoteControl {
  /**
   * Asks the owner of the run: the run as it is after the change, or `handled: false` when no
   * process executes it. The owner's error (invalid_state …) is thrown as it is.
   */
  request(runId: string, message: ControlMessage): Promise<{ handled: true; run: RunRecord } | { handled: false }>;
}

/** One execution of a run: planning and the script, cancelled through its controller. */
interface Execution {
  readonly controller: AbortController;
  ctx: RunContext | null;
  done: Promise<void>;
  /** Scheduled again while this execution was ending (an agent restarted right after the run ended). */
  again: boolean;
}

/** The run lifecycle: queued → planning → awaiting_approval? → running → converged | failed | cancelled. */
export class Engine implements EngineApi {
  private readonly store: Store;
  private readonly records: RunRecords;
  private readonly planning: Planning;
  private readonly slots: RunSlots;
  private readonly budget: AgentBudget;
  readonly workflows: SavedWorkflows;
  private readonly executions = new Map<string, Execution>();
  private readonly warmup = new PrefixWarmup();
  private readonly isolation: Isolation;
  private inflight = 0;
  private closed = false;

  constructor(private readonly deps: EngineDeps) {
    const { config } = deps;
    this.store = deps.store;
    this.records = new RunRecords({
      store: deps.store,
      maxEvents: config.maxEvents,
      maxEventBytes: config.maxEventBytes,
      onEventBudget: (id, err) => this.executions.get(id)?.controller.abort(err),
      onEvent: (id, e) => this.onEvent(id, e),
      onWriteError: (id, err) => this.onWriteError(id, err),
    });
    this.planning = new Planning({
      provider: deps.provider,
      records: this.records,
      store: deps.store,
      retry: () => this.retry(),
      hooks: () => this.hooks(),
      repairs: config.planRepairs,
      defaultModel: config.model,
      savedWorkflows: () => this.workflows.list().filter((w) => w.valid),
    });
    this.slots = new RunSlots(config.maxRuns, config.maxSandboxMemoryMb);
    this.budget = deps.budget ?? new LocalBudget(config.globalMaxParallel);
    this.isolation = isolationOf(config);
    this.workflows = new SavedWorkflows(config.workflowsDir, async (runId) => {
      await this.get(runId);
      const script = await this.store.runs.script(runId);
      if (script === null) throw new InvalidStateError(`Run ${runId} has no script yet: it is still being planned`);
      return script;
    });
  }

  /**
   * Removes the workspace copies of isolated agents that ended runs left behind (an agent stopped
   * by a crash and never finished; a run pruned since), and prunes their repositories' worktree
   * lists. Copies an agent record keeps (it changed files) stay. Returns how many it removed.
   */
  async sweepIsolation(): Promise<number> {
    return this.isolation.sweep(leftoverCopies(this.store));
  }

  /** Resumes every run that was unfinished when the process stopped (replay from the journal). */
  async resumeUnfinished(): Promise<number> {
    const runs = await this.store.runs.unfinished();
    let resumed = 0;
    for (const run of runs) {
      if (this.deps.dispatch) {
        // Queue mode: a run that has a job (waiting, or executing on a worker) keeps it.
        if (!(await this.deps.dispatch.enqueue(run.id))) continue;
        this.records.emit(run.id, { type: 'log', message: `Queued again for a worker: it was ${run.status} with no job` });
      } else {
        this.records.emit(run.id, { type: 'log', message: `Sidecar restarted: resuming from ${run.status}` });
        this.schedule(run.id);
      }
      resumed++;
    }
    return resumed;
  }

  async start(body: RunSpec): Promise<RunRecord> {
    this.assertOpen();
    const spec = this.workflows.startSpec(body);
    const checked = this.validate(spec);
    const now = new Date().toISOString();
    const run: RunRecord = {
      id: randomUUID(),
      status: 'queued',
      phase: null,
      task: checked.task,
      input: spec.input ?? null,
      options: spec.options ?? {},
      limits: checked.limits,
      counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 },
      usage: emptyUsage(),
      result: null,
      error: null,
      parentId: null,
      workflow: spec.workflow ?? null,
      meta: checked.script?.meta ?? null,
      createdAt: now,
      updatedAt: now,
      hasScript: !!checked.script,
      approval: null,
      paused: false,
      estimate: null,
      deadlineAt: null,
    };
    const origin = spec.workflow !== undefined ? 'workflow' : checked.script ? 'user' : null;
    return this.create(run, spec, checked.script, origin);
  }

  async get(id: string): Promise<RunRecord> {
    const run = await this.records.get(id);
    if (!run) throw new RunNotFoundError(id);
    return run;
  }

  /** The run's live record while it executes in this process, else null (no store read). */
  peek(id: string): RunRecord | null {
    return this.records.peek(id);
  }

  async list(q: ListRunsQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    const limit = Math.min(500, Math.max(1, q.limit ?? 50));
    let before: number | undefined;
    if (q.cursor !== undefined) {
      before = Number(q.cursor);
      if (!Number.isInteger(before) || before < 0) throw new ValidationError('Invalid `cursor`');
    }
    const page = await this.store.runs.list({ status: q.status, limit, before });
    return { runs: page.runs.map((r) => this.records.peek(r.id) ?? r), nextCursor: page.last === null ? null : String(page.last) };
  }

  async script(id: string): Promise<string | null> {
    await this.get(id);
    return this.store.runs.script(id);
  }

  async agents(id: string, q: ListAgentsQuery): Promise<{ agents: AgentRecord[]; total: number }> {
    await this.get(id);
    return this.store.journal.list(id, {
      status: q.status,
      offset: Math.max(0, q.offset ?? 0),
      limit: Math.min(1000, Math.max(1, q.limit ?? 100)),
    });
  }

  async cancel(id: string, reason = 'Cancelled by request'): Promise<RunRecord> {
    const owned = await this.askOwner(id, { op: 'cancel', reason });
    if (owned) return owned;
    const run = await this.get(id);
    if (isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is already ${run.status}`);
    const err = new RunCancelledError(reason);
    const exec = this.executions.get(id);
    if (exec) {
      exec.controller.abort(err);
      await exec.done;
    }
    // Not executing (waiting for approval), or it stopped before reaching a terminal state.
    if (!isTerminal((await this.get(id)).status)) await this.records.setStatus(id, 'cancelled', { result: null, error: err.toJSON() });
    return this.get(id);
  }

  async approve(id: string, decision: { approved: boolean; comment?: string }): Promise<RunRecord> {
    const owned = await this.askOwner(id, { op: 'approve', ...decision });
    if (owned) return owned;
    const run = await this.get(id);
    if (run.status !== 'awaiting_approval') throw new InvalidStateError(`Run ${id} is ${run.status}, not awaiting_approval`);
    await this.records.patch(id, (r) => {
      r.approval = { approved: decision.approved, comment: decision.comment ?? null };
    });
    if (!decision.approved) {
      const message = decision.comment ? `Plan denied: ${decision.comment}` : 'Plan denied';
      await this.records.setStatus(id, 'cancelled', { result: null, error: { code: 'plan_denied', message } });
      return this.get(id);
    }
    this.records.emit(id, { type: 'log', message: `Plan approved${decision.comment ? `: ${decision.comment}` : ''}` });
    await this.records.flush(id);
    await this.dispatchRun(id);
    return this.get(id);
  }

  async rerun(id: string, opts: { script?: string; input?: unknown }): Promise<RunRecord> {
    const parent = await this.get(id);
    const source = opts.script ?? (await this.store.runs.script(id));
    if (!source) throw new InvalidStateError(`Run ${id} has no script yet`);
    const script = checkScript(source);
    const spec: RunSpec = {
      ...((await this.store.runs.spec(id)) ?? { task: parent.task }),
      script: source,
      input: opts.input ?? parent.input,
    };
    const now = new Date().toISOString();
    const run: RunRecord = {
      ...parent,
      id: randomUUID(),
      status: 'queued',
      phase: null,
      input: spec.input ?? null,
      counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 },
      usage: emptyUsage(),
      result: null,
      error: null,
      parentId: parent.id,
      // An edited script is no longer the saved workflow's.
      workflow: opts.script === undefined ? (parent.workflow ?? null) : null,
      meta: script.meta,
      createdAt: now,
      updatedAt: now,
      hasScript: true,
      approval: null,
      paused: false,
      estimate: null,
      deadlineAt: null,
    };
    return this.create(run, { ...spec, callback: undefined }, script, 'rerun');
  }

  async pause(id: string): Promise<RunRecord> {
    return (await this.askOwner(id, { op: 'pause' })) ?? this.setPaused(id, true);
  }

  async resume(id: string): Promise<RunRecord> {
    return (await this.askOwner(id, { op: 'resume' })) ?? this.setPaused(id, false);
  }

  async restartAgent(id: string, seq: number): Promise<RunRecord> {
    const owned = await this.askOwner(id, { op: 'restartAgent', seq });
    if (owned) return owned;
    const run = await this.get(id);
    const rec = await this.store.journal.get(id, seq);
    if (!rec) throw new AgentNotFoundError(id, seq);
    if (rec.status !== 'failed')
      throw new InvalidStateError(`Agent ${seq} of run ${id} is ${rec.status}; only a failed agent can be restarted`);
    if (!isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is ${run.status}; restart an agent once the run has ended`);
    // Back to "issued", with a fresh attempt count: the replay finds it unfinished and dispatches it again.
    this.records.journal({ ...rec, status: 'queued', error: null, result: null, attempts: 0 });
    await this.records.setStatus(id, 'running', { result: null, error: null });
    this.records.emit(id, { type: 'log', message: `Agent ${seq} restarted: replaying the run from its journal` });
    await this.records.flush(id);
    await this.dispatchRun(id);
    return this.get(id);
  }

  async events(runId: string | null, afterId: number, limit?: number): Promise<StoredEvent[]> {
    if (runId !== null) await this.get(runId);
    return this.store.events.since(runId, afterId, limit);
  }

  subscribe(runId: string | null, listener: EventListener): () => void {
    return this.store.events.subscribe(runId, listener);
  }

  inFlight(): number {
    return this.inflight;
  }

  /**
   * Queue mode, on a worker: executes a run this worker took from the queue, under its lease
   * (`fence`), and resolves when the execution ends. `signal` aborts it as a shutdown would (the
   * worker is stopping, or lost the job): the run stays unfinished for the next owner.
   */
  async executeOwned(id: string, fence: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      const exec = this.executions.get(id) ?? this.schedule(id, fence);
      if (!exec) return;
      const stop = (): void => exec.controller.abort(new DwError('shutdown', 'The worker stopped executing this run', 503));
      if (signal.aborted) stop();
      signal.addEventListener('abort', stop, { once: true });
      try {
        await exec.done;
      } finally {
        signal.removeEventListener('abort', stop);
      }
      if (!this.executions.has(id)) return;
    }
  }

  /** Whether this process executes the run now (queue mode: the owner answers its control requests). */
  executes(id: string): boolean {
    return this.executions.has(id);
  }

  /** Queue mode, on the owner: a control request of an API process, made here. */
  control(id: string, m: ControlMessage): Promise<RunRecord> {
    switch (m.op) {
      case 'cancel':
        return this.cancel(id, m.reason);
      case 'pause':
        return this.pause(id);
      case 'resume':
        return this.resume(id);
      case 'approve':
        return this.approve(id, { approved: m.approved, ...(m.comment !== undefined ? { comment: m.comment } : {}) });
      case 'restartAgent':
        return this.restartAgent(id, m.seq);
      default:
        throw new ValidationError(`Unknown control operation ${JSON.stringify((m as { op?: unknown }).op)}`);
    }
  }

  /** Stores an event from outside the engine (callback deliveries) in the run's stream. */
  record(runId: string, e: RunEvent): void {
    this.records.emit(runId, e);
  }

  /** A log event in every run executing now (the cluster budget's Redis went away or came back). */
  notifyExecuting(message: string): void {
    for (const id of this.executions.keys()) this.records.emit(id, { type: 'log', message });
  }

  /** Waits for a run to reach a terminal state (CLI, tests). */
  async waitFor(id: string, statuses: readonly RunStatus[] = ['converged', 'failed', 'cancelled']): Promise<RunRecord> {
    let off = (): void => undefined;
    const reached = new Promise<void>((resolve) => {
      off = this.subscribe(id, (e) => {
        if (e.event.type === 'run.status' && statuses.includes(e.event.status)) resolve();
      });
    });
    try {
      const current = await this.get(id);
      if (statuses.includes(current.status)) return current;
      await reached;
      return await this.get(id);
    } finally {
      off();
    }
  }

  /** Stops executing; unfinished runs stay unfinished in the store and resume on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const exec of this.executions.values()) exec.controller.abort(new DwError('shutdown', 'Sidecar shutting down', 503));
    await Promise.allSettled([...this.executions.values()].map((e) => e.done));
    await this.records.flushAll();
  }

  /**
   * Queue mode: a change to a run that executes elsewhere is made by its owner. Null when this
   * process executes it, or no process does (the change is then made here, on the store).
   */
  private async askOwner(id: string, message: ControlMessage): Promise<RunRecord | null> {
    const control = this.deps.control;
    if (!control || this.executions.has(id)) return null;
    const answer = await control.request(id, message);
    return answer.handled ? answer.run : null;
  }

  /** Executes the run here, or (queue mode) queues it for a worker. */
  private async dispatchRun(id: string): Promise<void> {
    if (this.deps.dispatch) await this.deps.dispatch.enqueue(id);
    else this.schedule(id);
  }

  private async create(
    run: RunRecord,
    spec: RunSpec,
    script: CheckedScript | null,
    source: 'user' | 'rerun' | 'workflow' | null,
  ): Promise<RunRecord> {
    await this.records.insert(run, spec, script?.source ?? null);
    this.records.emit(run.id, { type: 'run.status', status: 'queued' });
    if (source === 'workflow' && spec.workflow !== undefined)
      this.records.emit(run.id, { type: 'run.script', source, workflow: spec.workflow });
    else if (source) this.records.emit(run.id, { type: 'run.script', source });
    await this.records.flush(run.id);
    await this.dispatchRun(run.id);
    return this.get(run.id);
  }

  private validate(spec: RunSpec): { task: string; limits: RunRecord['limits']; script: CheckedScript | null } {
    if (!spec || typeof spec.task !== 'string' || !spec.task.trim()) throw new ValidationError('`task` must be a non-empty string');
    const task = spec.task;
    checkRunTools(spec.options?.tools ?? [], this.deps.config);
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
    return { task, limits, script };
  }

  private async setPaused(id: string, paused: boolean): Promise<RunRecord> {
    const run = await this.get(id);
    if (isTerminal(run.status)) throw new InvalidStateError(`Run ${id} is already ${run.status}`);
    await this.records.patch(id, (r) => {
      r.paused = paused;
    });
    const ctx = this.executions.get(id)?.ctx;
    if (ctx) {
      if (paused) ctx.pauseGate.close();
      else ctx.pauseGate.open();
    }
    this.records.emit(id, { type: 'log', message: paused ? 'Paused: no new agents are dispatched' : 'Resumed' });
    await this.records.flush(id);
    return this.get(id);
  }

  /**
   * Executes the run in this process (unless it executes here already). `fence` is the
   * execution's lease in queue mode: the store refuses its writes once a newer owner has one.
   */
  private schedule(id: string, fence = 0): Execution | null {
    if (this.closed) return null;
    const current = this.executions.get(id);
    if (current) {
      current.again = true;
      return current;
    }
    const exec: Execution = { controller: new AbortController(), ctx: null, done: Promise.resolve(), again: false };
    exec.done = this.execute(id, exec, fence)
      .catch(async (err: unknown) => {
        const signal = exec.controller.signal;
        const reason = signal.aborted ? toErrorInfo(signal.reason) : toErrorInfo(err);
        // Unfinished: it resumes on the next start, or on the worker that fenced this one out.
        if (reason.code === 'shutdown' || reason.code === 'fenced_out') return;
        const run = await this.records.get(id);
        if (run && !isTerminal(run.status)) {
          await this.records.setStatus(id, reason.code === 'cancelled' ? 'cancelled' : 'failed', { result: null, error: reason });
        }
      })
      .catch((err: unknown) => this.deps.logger?.error({ runId: id, err: toErrorInfo(err) }, 'could not record how a run ended'))
      .finally(async () => {
        try {
          await this.records.close(id);
        } catch (err) {
          this.deps.logger?.error({ runId: id, err: toErrorInfo(err) }, "could not store a run's last writes");
        }
        this.executions.delete(id);
        if (exec.again) this.schedule(id, fence);
      });
    this.executions.set(id, exec);
    return exec;
  }

  private async execute(id: string, exec: Execution, fence: number): Promise<void> {
    await Promise.resolve();
    let run = await this.records.open(id, fence);
    if (!run || isTerminal(run.status) || (run.status === 'awaiting_approval' && !run.approval?.approved)) return;
    const { signal } = exec.controller;
    if (!this.slots.free(run.limits.memoryMb)) {
      const { maxRuns, maxSandboxMemoryMb } = this.deps.config;
      this.records.emit(id, {
        type: 'log',
        message: `Waiting for a run slot: ${this.slots.executing} runs executing, ${this.slots.waiting} waiting (DW_MAX_RUNS ${maxRuns}, DW_MAX_SANDBOX_MEMORY_MB ${maxSandboxMemoryMb})`,
      });
    }
    const release = await this.slots.acquire(run.limits.memoryMb, signal);
    try {
      let source = await this.store.runs.script(id);
      if (!source) {
        source = await this.planning.plan(run, signal);
        if (source === null) return;
        run = await this.get(id);
      }
      if (await this.planning.gate(run, source)) return;
      await this.runScript(run, checkScript(source), exec);
    } finally {
      release();
    }
  }

  private async runScript(run: RunRecord, script: CheckedScript, exec: Execution): Promise<void> {
    const { config } = this.deps;
    const mcp = mcpSessionFor(run, config, this.store.mcpTools, this.records);
    const ctx = new RunContext(run, {
      replay: await Replay.load(this.store.journal, run.id, run.parentId),
      workflows: this.workflows.library,
      childScripts: this.store.childScripts,
      records: this.records,
      budget: this.budget,
      agentDeps: {
        provider: this.deps.provider,
        // Tools stop with the execution (cancel, deadline, shutdown), not at their own timeouts.
        toolContext: { ...this.toolContext(run), signal: exec.controller.signal },
        retry: this.retry(),
        hooks: this.hooks(),
        warmup: this.warmup,
        ...(mcp ? { mcp } : {}),
      },
      allowedTools: run.options.tools ?? [],
      defaultModel: config.agentModel ?? this.deps.provider.defaultModel,
      agentTypes: config.agentTypes,
      maxAgentAttempts: config.maxAgentAttempts,
      isolation: this.isolationOf(run),
      controller: exec.controller,
      inFlight: {
        inc: () => {
          this.inflight++;
        },
        dec: () => {
          this.inflight--;
        },
      },
      onUsage: (u) => this.deps.metrics?.recordUsage(u),
      logger: this.deps.logger,
    });
    exec.ctx = ctx;
    // The deadline is fixed when the script first starts and survives restarts.
    const deadlineAt = run.deadlineAt ?? new Date(Date.now() + run.limits.deadlineMs).toISOString();
    if (!run.deadlineAt)
      await this.records.patch(run.id, (r) => {
        r.deadlineAt = deadlineAt;
      });
    await this.records.setStatus(run.id, 'running');
    const deadline = setTimeout(
      () => ctx.abort(new DeadlineError(run.limits.deadlineMs)),
      Math.max(0, Date.parse(deadlineAt) - Date.now()),
    );
    let outcome: Awaited<ReturnType<ScriptSandbox['run']>>;
    try {
      outcome = await this.deps.sandbox.run({
        script,
        args: run.input,
        host: ctx,
        signal: ctx.signal,
        limits: {
          memoryMb: run.limits.memoryMb,
          cpuMs: run.limits.cpuMs,
          maxAgents: run.limits.maxAgents,
          maxItems: config.maxItems,
          maxResultBytes: config.maxResultBytes,
        },
      });
    } finally {
      clearTimeout(deadline);
      // Agents still queued or at the model are aborted now. The run's end is reported only once
      // each has recorded how it ended, so its counts are final and nothing (a restart of an
      // agent, a late answer) can slip in between the terminal status and the execution's end.
      ctx.abort(new RunCancelledError('Run ended'));
      await ctx.settled();
      await mcp?.dispose();
    }
    if (isTerminal((await this.get(run.id)).status)) return;
    // The first abort's reason stands (a shutdown leaves the run to resume on the next start).
    if (toErrorInfo(ctx.signal.reason).code === 'shutdown') return;
    if (outcome.ok) await this.records.setStatus(run.id, 'converged', { result: outcome.result, error: null });
    else
      await this.records.setStatus(run.id, outcome.error.code === 'cancelled' ? 'cancelled' : 'failed', {
        result: null,
        error: outcome.error,
      });
  }

  private toolContext(run: RunRecord): ToolContext {
    const ws = run.options.workspace;
    const workspaceDir = ws === undefined ? null : resolveWorkspace([...this.deps.config.workspaceRoots], ws);
    return {
      workspaceDir,
      allowWrite: ws !== undefined && (run.options.tools ?? []).includes('write_file') && this.deps.config.writableWorkspaces.includes(ws),
      allowedHosts: this.deps.config.allowedHosts,
      selfAddress: { host: this.deps.config.host, port: this.deps.config.port },
      fetch: this.deps.fetch,
    };
  }

  /** isolation: 'worktree' needs a workspace the operator made writable; the reason otherwise. */
  private isolationOf(run: RunRecord): RunIsolation {
    const ws = run.options.workspace;
    if (ws === undefined) return { available: false, reason: 'this run has no workspace (the `workspace` option) to copy' };
    if (!this.deps.config.writableWorkspaces.includes(ws))
      return {
        available: false,
        reason: `workspace "${ws}" is read-only (the operator lists writable workspaces in DW_WRITABLE_WORKSPACES)`,
      };
    return { available: true, workspaceDir: resolveWorkspace([...this.deps.config.workspaceRoots], ws), service: this.isolation };
  }

  private retry(): RetryPolicy {
    return this.deps.retry ?? { ...DEFAULT_RETRY, retries: this.deps.config.modelRetries };
  }

  /** Every model call (planner and agents) waits out the budget's cool-down and reports push-back to it. */
  private hooks(): ModelCallHooks {
    return {
      onError: (kind) => this.deps.metrics?.recordModelError(kind),
      beforeCall: (signal) => this.budget.beforeModelCall(signal),
      onPushback: (ms) => this.budget.pushback(ms),
      onSuccess: () => this.budget.success(),
    };
  }

  /** Every stored event becomes a log line for state changes (callbacks follow the events on their own). */
  private onEvent(runId: string, e: RunEvent): void {
    if (this.deps.logger) logRunEvent(this.deps.logger, runId, e);
  }

  /**
   * A write nobody awaited failed. An executing run stops: it cannot keep its promises without
   * its journal (a fenced-out execution leaves the run to its new owner).
   */
  private onWriteError(runId: string, err: unknown): void {
    const info = toErrorInfo(err);
    this.deps.logger?.error({ runId, err: info }, 'a write of the run failed');
    const exec = this.executions.get(runId);
    if (exec && !exec.controller.signal.aborted) exec.controller.abort(err instanceof DwError ? err : new DwError(info.code, info.message));
  }

  private assertOpen(): void {
    if (this.closed) throw new DwError('shutting_down', 'The sidecar is shutting down', 503);
  }
}
