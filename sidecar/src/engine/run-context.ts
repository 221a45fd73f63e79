import type { Logger } from 'pino';
import {
  AgentAttemptsError,
  AgentLimitError,
  DwError,
  IsolationUnavailableError,
  PromptTooLargeError,
  RunCancelledError,
  TokenBudgetError,
  ToolNotAllowedError,
  UnknownAgentTypeError,
  UsdBudgetError,
  ValidationError,
  toErrorInfo,
} from '../errors/errors';
import { MAX_PROMPT_CHARS, TEXT_CAPS, capText } from '../core/limits';
import { resolveModel } from '../core/models';
import { BUILTIN_AGENT_TYPES } from '../core/names';
import { isToolAllowed } from '../core/mcp';
import { AgentFailure, runAgent, thinkingBudget, type AgentDeps, type AgentTask } from '../agents/runner';
import type { AgentBudget } from '../cluster/types';
import type { AgentTypeProfile } from '../config/config';
import { emptyUsage, totalTokens, type AgentOptions, type AgentRecord, type RunRecord, type Usage, type WorkflowRef } from '../core/types';
import { checkScript } from '../sandbox/check';
import type { ChildWorkflow, SandboxHost } from '../sandbox/types';
import type { ChildScriptJournal } from '../store/store';
import type { WorkflowLibrary } from '../store/workflows';
import { AdaptiveConcurrency } from './concurrency';
import { fingerprint } from './fingerprint';
import { Gate } from './gate';
import { inOwnCopy, type RunIsolation } from './isolation';
import { isFinished, type Replay } from './replay';
import type { RunRecords } from './run-records';

/** What a run context needs from the engine around it. */
export interface RunContextDeps {
  /** What earlier executions of the run (and of the run it reruns) recorded, read at the start. */
  readonly replay: Replay;
  /** The saved workflows workflow() runs (DW_WORKFLOWS_DIR). */
  readonly workflows: WorkflowLibrary;
  /** The child scripts this run's workflow() calls ran, as first read. */
  readonly childScripts: ChildScriptJournal;
  /** The writer of the run's record and events. */
  readonly records: RunRecords;
  /** Agents in flight across every run of the sidecar (or of the cluster, with DW_REDIS_URL). */
  readonly budget: AgentBudget;
  readonly agentDeps: Omit<AgentDeps, 'hooks' | 'onUsage'> & { hooks: AgentDeps['hooks'] };
  readonly allowedTools: readonly string[];
  readonly defaultModel: string;
  /** The operator's agent types (DW_AGENT_TYPES), besides the built-in `general-purpose`. @default none */
  readonly agentTypes?: Readonly<Record<string, AgentTypeProfile>>;
  /** Dispatches of one agent call, counted across restarts, before it fails with agent_attempts. */
  readonly maxAgentAttempts: number;
  /** The execution's controller: cancel, deadline, shutdown and budgets abort it. */
  readonly controller: AbortController;
  readonly inFlight: { inc(): void; dec(): void };
  /** Whether agents may ask for `isolation: 'worktree'` (a writable workspace), and the service making their copies. */
  readonly isolation: RunIsolation;
  readonly onUsage?: (u: Usage) => void;
  readonly logger?: Pick<Logger, 'warn'>;
}

const DEFAULT_MAX_TURNS = 8;
const MAX_TURNS_CEILING = 50;

/**
 * One execution of a run's script: the sandbox host. It numbers, journals, schedules and
 * budgets every agent() call, and replays calls the journal already holds (crash recovery,
 * restarts, and reruns that name a parent run). The run's record belongs to RunRecords;
 * this class asks it for every change.
 */
export class RunContext implements SandboxHost {
  readonly pauseGate = new Gate();
  readonly concurrency: AdaptiveConcurrency;
  private readonly occurrences = new Map<string, number>();
  /** Agents at the model (or its retries) now: what settled() waits for. */
  private readonly activeCalls = new Set<Promise<void>>();
  private readonly replay: Replay;
  private readonly records: RunRecords;
  private readonly id: string;
  private currentPhase: string | null;
  private nextSeq: number;

  constructor(
    private readonly run: Readonly<RunRecord>,
    private readonly deps: RunContextDeps,
  ) {
    this.id = run.id;
    this.records = deps.records;
    this.currentPhase = run.phase;
    this.replay = deps.replay;
    this.nextSeq = deps.replay.maxSeq + 1;
    this.concurrency = new AdaptiveConcurrency({
      max: run.limits.maxParallel,
      onChange: (concurrency, reason) => this.records.emit(this.id, { type: 'throttle', concurrency, reason }),
    });
    if (run.paused) this.pauseGate.close();
    this.records.resetCounts(run.id);
  }

  get signal(): AbortSignal {
    return this.deps.controller.signal;
  }

  abort(reason: DwError): void {
    if (!this.signal.aborted) this.deps.controller.abort(reason);
  }

  phase(name: string): void {
    this.currentPhase = capText(String(name), TEXT_CAPS.phase);
    this.records.setPhase(this.id, this.currentPhase);
  }

  log(message: string): void {
    this.records.emit(this.id, { type: 'log', message: capText(message, TEXT_CAPS.log) });
  }

  emit(type: string, payload: Record<string, unknown>): void {
    if (type === 'verify.round') {
      const p = payload as { helper?: unknown; round?: unknown; agreement?: unknown; survivors?: unknown; detail?: unknown };
      this.records.emit(this.id, {
        type: 'verify.round',
        helper: capText(String(p.helper ?? 'verify'), TEXT_CAPS.label),
        round: Number(p.round ?? 0),
        agreement: typeof p.agreement === 'number' ? p.agreement : null,
        survivors: typeof p.survivors === 'number' ? p.survivors : null,
        detail: capDetail(p.detail),
      });
    } else {
      this.records.emit(this.id, { type: 'log', message: capText(`${type}: ${JSON.stringify(payload)}`, 2000) });
    }
  }

  budget(): { total: { tokens: number; usd: number }; spent: { tokens: number; usd: number } } {
    const u = this.records.usage(this.id);
    return {
      total: { tokens: this.run.limits.maxTokens, usd: this.run.limits.maxUsd },
      spent: { tokens: totalTokens(u), usd: u.usd },
    };
  }

  /**
   * workflow(ref): the child's script, the one journaled for this run and reference when there is
   * one (a replay runs what the first execution ran, whatever the file says now), else read from
   * the workflows folder, checked, and journaled before the child starts.
   */
  async workflow(ref: WorkflowRef): Promise<ChildWorkflow> {
    if (this.signal.aborted) throw reasonOf(this.signal);
    if (typeof ref !== 'string' && typeof ref?.scriptPath !== 'string')
      throw new ValidationError("workflow(nameOrRef): expected a saved workflow's name or { scriptPath }");
    const key = JSON.stringify(typeof ref === 'string' ? ref : { scriptPath: ref.scriptPath });
    let child = await this.deps.childScripts.get(this.id, key);
    const journaled = child !== null;
    if (child === null) {
      const read = this.readChild(ref);
      checkScript(read.script);
      child = await this.deps.childScripts.record({ runId: this.id, ref: key, ...read, at: new Date().toISOString() });
    }
    this.log(
      `workflow(${capText(key, TEXT_CAPS.label)}): ${child.name} (sha256 ${child.sha256.slice(0, 12)}${journaled ? ', from the journal' : ''})`,
    );
    return { name: child.name, source: child.script };
  }

  private readChild(ref: WorkflowRef): { name: string; script: string; sha256: string } {
    if (typeof ref === 'string') {
      const saved = this.deps.workflows.get(ref);
      return { name: saved.name, script: saved.script, sha256: saved.sha256 };
    }
    const found = this.deps.workflows.resolve(ref.scriptPath);
    return { name: found.relativePath, script: found.script, sha256: found.sha256 };
  }

  async agent(_sandboxSeq: number, prompt: string, opts: AgentOptions): Promise<unknown> {
    if (this.signal.aborted) throw reasonOf(this.signal);
    if (this.records.counts(this.id).total >= this.run.limits.maxAgents) throw new AgentLimitError(this.run.limits.maxAgents);
    const agentType = opts.agentType;
    const profile = agentType === undefined ? null : this.profileOf(agentType);
    // A profile's tools and model are the agent's defaults; the script's own options win.
    const tools = [...(opts.tools ?? profile?.tools ?? this.deps.allowedTools)];
    const model = resolveModel(
      this.deps.agentDeps.provider.name,
      opts.model ?? profile?.model ?? this.run.options.agentModel ?? this.deps.defaultModel,
    );
    const maxTurns = Math.min(MAX_TURNS_CEILING, Math.max(1, Math.floor(opts.maxTurns ?? DEFAULT_MAX_TURNS)));
    const task: AgentTask = {
      prompt,
      system: opts.system ?? null,
      schema: opts.schema ?? null,
      tools,
      model,
      maxTurns,
      typeSystem: profile?.system ?? null,
      effort: opts.effort ?? null,
    };
    const fp = callFingerprint(task, agentType, profile, opts.isolation);
    const occurrence = this.occurrences.get(fp) ?? 0;
    this.occurrences.set(fp, occurrence + 1);
    this.records.count(this.id, { total: 1 });

    const prior = this.replay.prior(fp, occurrence);
    if (prior && isFinished(prior)) {
      // Recorded in an earlier execution of this run: same answer, no model call.
      this.records.count(this.id, prior.status === 'done' ? { done: 1 } : { failed: 1 });
      this.records.progress(this.id);
      return prior.status === 'done' ? prior.result : null;
    }
    const label = opts.label === undefined || opts.label === null ? null : capText(String(opts.label), TEXT_CAPS.label);
    const phase = opts.phase === undefined || opts.phase === null ? this.currentPhase : capText(String(opts.phase), TEXT_CAPS.phase);
    const rec: AgentRecord = prior ?? {
      runId: this.id,
      seq: this.nextSeq++,
      fingerprint: fp,
      occurrence,
      label,
      phase,
      prompt,
      tools,
      model,
      effort: opts.effort ?? null,
      agentType: opts.agentType ?? null,
      status: 'queued',
      result: null,
      error: null,
      usage: emptyUsage(),
      replayed: false,
      attempts: 0,
      startedAt: null,
      endedAt: null,
    };
    rec.label = label;
    rec.phase = phase;

    const isolation = this.deps.isolation;
    if (opts.isolation !== undefined && !isolation.available)
      return this.fail(rec, new IsolationUnavailableError(isolation.reason), emptyUsage());
    if (agentType !== undefined && profile === undefined)
      return this.fail(
        rec,
        new UnknownAgentTypeError(
          capText(agentType, TEXT_CAPS.label),
          [...BUILTIN_AGENT_TYPES, ...Object.keys(this.deps.agentTypes ?? {})].map((t) => capText(t, TEXT_CAPS.label)),
        ),
        emptyUsage(),
      );
    const widened = tools.filter((t) => !isToolAllowed(t, this.deps.allowedTools));
    if (widened.length) return this.fail(rec, new ToolNotAllowedError(widened.join(', ')), emptyUsage());
    const longest = Math.max(prompt.length, task.system?.length ?? 0);
    if (longest > MAX_PROMPT_CHARS) return this.fail(rec, new PromptTooLargeError(longest, MAX_PROMPT_CHARS), emptyUsage());
    // Dispatched this often already and never finished: each time the process died or was
    // stopped with it in flight. Calling it again could crash the sidecar again.
    if (rec.attempts >= this.deps.maxAgentAttempts) return this.fail(rec, new AgentAttemptsError(rec.attempts), rec.usage);

    if (!prior) {
      const inherited = this.replay.inherited(fp, occurrence);
      if (inherited) {
        // An isolated agent's copy is the parent's: its kept worktree and branch are the answer's.
        Object.assign(rec, {
          status: 'done',
          result: inherited.result,
          replayed: true,
          endedAt: new Date().toISOString(),
          ...(inherited.isolation ? { isolation: inherited.isolation } : {}),
        });
        this.records.journal(rec);
        this.records.count(this.id, { done: 1 });
        this.records.emit(this.id, { type: 'agent.completed', seq: rec.seq, label, phase, usage: rec.usage, replayed: true });
        this.records.progress(this.id);
        await this.records.flush(this.id); // completed: before the script sees the result
        return rec.result;
      }
    }

    rec.status = 'queued';
    this.records.count(this.id, { queued: 1 });
    this.records.journal(rec);
    this.records.emit(this.id, { type: 'agent.queued', seq: rec.seq, label, phase });
    try {
      await this.records.flush(this.id); // issued: durable before dispatch
    } catch (err) {
      this.records.count(this.id, { queued: -1 });
      throw err;
    }
    // A queued agent is recorded cancelled the moment the execution is aborted, not when a
    // slot frees (which, behind the sidecar-wide limit, can be long after the run ended).
    const onAbort = (): void => {
      if (rec.status !== 'queued') return;
      try {
        this.cancelQueued(rec, reasonOf(this.signal));
      } catch (err) {
        // A listener must not throw (it would be an uncaught exception). The record stays
        // queued here; dispatch() records the cancel when the agent's slot comes.
        this.deps.logger?.warn({ runId: this.id, seq: rec.seq, err: toErrorInfo(err) }, 'could not record a queued agent as cancelled');
      }
    };
    this.signal.addEventListener('abort', onAbort, { once: true });
    // The queued event above may itself have aborted the run (its event budget).
    if (this.signal.aborted) onAbort();
    try {
      const value = await this.concurrency.run(() =>
        this.deps.budget
          .run(() => this.dispatch(rec, task, opts.isolation !== undefined), this.signal)
          .catch((err: unknown) => {
            // Aborted while it waited for a cluster slot: dispatch() never ran to record it.
            if (rec.status === 'queued') this.cancelQueued(rec, err);
            throw err;
          }),
      );
      // completed: durable before the script sees the result (the slot is free already).
      await this.records.flush(this.id);
      return value;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Resolves once no agent of this execution is at the model: after an abort, every agent's
   * record says how it ended (done, failed or cancelled) before the run's end is reported.
   */
  async settled(): Promise<void> {
    while (this.activeCalls.size) await Promise.allSettled([...this.activeCalls]);
  }

  /** The operator's profile of `agentType`; null for the built-in type, undefined for an unknown one. */
  private profileOf(agentType: string): AgentTypeProfile | null | undefined {
    if ((BUILTIN_AGENT_TYPES as readonly string[]).includes(agentType)) return null;
    const types = this.deps.agentTypes;
    return types && Object.hasOwn(types, agentType) ? types[agentType] : undefined;
  }

  /** Records a queued agent as cancelled; when the write fails, nothing about it has changed. */
  private cancelQueued(rec: AgentRecord, err: unknown): void {
    const ended: AgentRecord = { ...rec, status: 'cancelled', error: toErrorInfo(err), endedAt: new Date().toISOString() };
    this.records.journal(ended);
    Object.assign(rec, ended);
    this.records.count(this.id, { queued: -1 });
  }

  private async dispatch(rec: AgentRecord, task: AgentTask, isolated: boolean): Promise<unknown> {
    // Cancelled while it waited for a slot (recorded by the abort listener in agent()).
    if (rec.status === 'cancelled') throw reasonOf(this.signal);
    try {
      await this.pauseGate.pass(this.signal);
      if (this.signal.aborted) throw reasonOf(this.signal);
      this.checkBudget();
    } catch (err) {
      if (rec.status === 'queued') this.cancelQueued(rec, err);
      throw err;
    }
    this.records.count(this.id, { queued: -1, active: 1 });
    rec.status = 'active';
    rec.attempts++;
    rec.startedAt = new Date().toISOString();
    this.records.journal(rec);
    this.records.emit(this.id, { type: 'agent.started', seq: rec.seq, label: rec.label, phase: rec.phase });
    try {
      // The attempt counts before the call is made: a crash at the model is one of DW_MAX_AGENT_ATTEMPTS.
      await this.records.flush(this.id);
    } catch (err) {
      this.records.count(this.id, { active: -1 });
      throw err;
    }
    this.deps.inFlight.inc();
    let endCall!: () => void;
    const call = new Promise<void>((resolve) => (endCall = resolve));
    this.activeCalls.add(call);
    const work = (toolContext: AgentDeps['toolContext']): Promise<{ value: unknown; usage: Usage }> =>
      runAgent(
        task,
        {
          ...this.deps.agentDeps,
          toolContext,
          hooks: {
            ...this.deps.agentDeps.hooks,
            onPushback: (ms) => {
              this.concurrency.pushback(ms);
              this.deps.agentDeps.hooks.onPushback?.(ms);
            },
            onSuccess: () => {
              this.concurrency.success();
              this.deps.agentDeps.hooks.onSuccess?.();
            },
            onRetry: (attempt, reason, delayMs) => {
              this.records.emit(this.id, { type: 'agent.retry', seq: rec.seq, attempt, reason, delayMs });
              this.deps.agentDeps.hooks.onRetry?.(attempt, reason, delayMs);
            },
          },
          onUsage: (u) => this.spend(u),
        },
        this.signal,
      );
    const base = this.deps.agentDeps.toolContext;
    const iso = this.deps.isolation;
    let value: unknown;
    try {
      let usage: Usage;
      ({ value, usage } =
        isolated && iso.available
          ? await inOwnCopy(iso, rec, base, work, (err) =>
              this.deps.logger?.warn({ runId: this.id, seq: rec.seq, err: toErrorInfo(err) }, 'could not finish an isolated copy: kept'),
            )
          : await work(base));
      this.records.count(this.id, { active: -1, done: 1 });
      Object.assign(rec, { status: 'done', result: value, usage, error: null, endedAt: new Date().toISOString() });
      this.records.journal(rec);
      this.records.emit(this.id, { type: 'agent.completed', seq: rec.seq, label: rec.label, phase: rec.phase, usage, replayed: false });
      this.records.progress(this.id);
    } catch (err) {
      this.records.count(this.id, { active: -1 });
      if (this.signal.aborted) {
        rec.status = 'cancelled';
        rec.error = toErrorInfo(reasonOf(this.signal));
        // A graceful shutdown is not the call's fault: only dispatches that ended the process
        // (a crash, which never gets here) count towards DW_MAX_AGENT_ATTEMPTS.
        if (rec.error.code === 'shutdown') rec.attempts--;
        rec.endedAt = new Date().toISOString();
        this.records.journal(rec);
        throw reasonOf(this.signal);
      }
      const failure = err instanceof AgentFailure ? err : new AgentFailure(err, emptyUsage());
      return this.fail(rec, failure, failure.usage);
    } finally {
      this.deps.inFlight.dec();
      this.activeCalls.delete(call);
      endCall();
    }
    // Its `completed` row is flushed by agent() once the slot is free: the next agent does not wait on it.
    return value;
  }

  /** A terminal agent failure: recorded with its reason, and null to the script. */
  private async fail(rec: AgentRecord, err: unknown, usage: Usage): Promise<null> {
    this.records.count(this.id, { failed: 1 });
    const error = toErrorInfo(err);
    Object.assign(rec, { status: 'failed', error, usage, endedAt: new Date().toISOString() });
    this.records.journal(rec);
    this.records.emit(this.id, { type: 'agent.failed', seq: rec.seq, label: rec.label, phase: rec.phase, error });
    this.records.progress(this.id);
    await this.records.flush(this.id); // failed: before the script sees the null
    return null;
  }

  private spend(u: Usage): void {
    this.records.spend(this.id, u);
    this.deps.onUsage?.(u);
  }

  /** Refuses a dispatch once the budget is spent: at most the agents already in flight overshoot. */
  checkBudget(): void {
    const u = this.records.usage(this.id);
    const { maxUsd, maxTokens } = this.run.limits;
    if (u.usd >= maxUsd) throw new UsdBudgetError(maxUsd, u.usd);
    if (totalTokens(u) >= maxTokens) throw new TokenBudgetError(maxTokens, totalTokens(u));
  }
}

/** verify.round details are the helpers' own small summaries; an oversized one is dropped. */
function capDetail(detail: unknown): unknown {
  if (detail === undefined) return undefined;
  const json = JSON.stringify(detail);
  return json !== undefined && json.length <= 16_384 ? detail : { truncated: true, bytes: json?.length ?? 0 };
}

/**
 * The call's fingerprint: the task's, and besides it what the task does not show that changes
 * the answer: an operator's agent type with its whole profile (a changed profile is a new call),
 * the effort when it is sent as a thinking budget, and isolation (the agent works in a copy).
 */
function callFingerprint(
  task: AgentTask,
  agentType: string | undefined,
  profile: AgentTypeProfile | null | undefined,
  isolation: AgentOptions['isolation'],
): string {
  const thinking = thinkingBudget(task);
  return fingerprint(task, {
    ...(profile ? { agentType, profile } : {}),
    ...(thinking !== null ? { effort: task.effort } : {}),
    ...(isolation !== undefined ? { isolation } : {}),
  });
}

function reasonOf(signal: AbortSignal): DwError {
  const r: unknown = signal.reason;
  return r instanceof DwError ? r : new RunCancelledError();
}
