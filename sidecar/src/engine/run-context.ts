import type { LimitFunction } from 'p-limit';
import {
  AgentLimitError, DwError, RunCancelledError, TokenBudgetError, ToolNotAllowedError, UsdBudgetError, toErrorInfo,
} from '../errors/errors';
import { AgentFailure, runAgent, type AgentDeps, type AgentTask } from '../agents/runner';
import { addUsage } from '../core/usage';
import type { SandboxHost } from '../sandbox/types';
import type { Journal } from '../store/journal';
import { AdaptiveConcurrency } from './concurrency';
import { fingerprint } from './fingerprint';
import { Gate } from './gate';
import { emptyUsage, type AgentOptions, type AgentRecord, type RunEvent, type RunRecord, type Usage } from '../core/types';

/** What a run context needs from the engine around it. */
export interface RunContextDeps {
  readonly journal: Journal;
  readonly globalLimit: LimitFunction;
  readonly agentDeps: Omit<AgentDeps, 'hooks' | 'onUsage'> & { hooks: AgentDeps['hooks'] };
  readonly allowedTools: readonly string[];
  readonly defaultModel: string;
  readonly emit: (e: RunEvent) => void;
  /** Persist the run record (counts, usage, phase) — called often, the engine may coalesce. */
  readonly save: () => void;
  readonly inFlight: { inc(): void; dec(): void };
  readonly onUsage?: (u: Usage) => void;
}

const DEFAULT_MAX_TURNS = 8;
const MAX_TURNS_CEILING = 50;

/**
 * One execution of a run's script: the sandbox host. It numbers, journals, schedules and
 * budgets every agent() call, and replays calls the journal already holds (crash recovery,
 * restarts, and reruns that name a parent run).
 */
export class RunContext implements SandboxHost {
  readonly controller = new AbortController();
  readonly pauseGate = new Gate();
  readonly concurrency: AdaptiveConcurrency;
  private readonly occurrences = new Map<string, number>();
  private nextSeq: number;

  constructor(private readonly run: RunRecord, private readonly deps: RunContextDeps) {
    this.nextSeq = deps.journal.maxSeq(run.id) + 1;
    this.concurrency = new AdaptiveConcurrency({
      max: run.limits.maxParallel,
      onChange: (concurrency, reason) => deps.emit({ type: 'throttle', concurrency, reason }),
    });
    if (run.paused) this.pauseGate.close();
    run.counts = { queued: 0, active: 0, done: 0, failed: 0, total: 0 };
  }

  get signal(): AbortSignal { return this.controller.signal; }

  abort(reason: DwError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  phase(name: string): void {
    this.run.phase = name;
    this.deps.emit({ type: 'phase', name });
    this.deps.save();
  }

  log(message: string): void {
    this.deps.emit({ type: 'log', message: message.slice(0, 10_000) });
  }

  emit(type: string, payload: Record<string, unknown>): void {
    if (type === 'verify.round') {
      const p = payload as { helper?: unknown; round?: unknown; agreement?: unknown; survivors?: unknown; detail?: unknown };
      this.deps.emit({
        type: 'verify.round', helper: String(p.helper ?? 'verify'), round: Number(p.round ?? 0),
        agreement: typeof p.agreement === 'number' ? p.agreement : null,
        survivors: typeof p.survivors === 'number' ? p.survivors : null, detail: p.detail,
      });
    } else {
      this.deps.emit({ type: 'log', message: `${type}: ${JSON.stringify(payload).slice(0, 2000)}` });
    }
  }

  budget(): { total: { tokens: number; usd: number }; spent: { tokens: number; usd: number } } {
    const u = this.run.usage;
    return {
      total: { tokens: this.run.limits.maxTokens, usd: this.run.limits.maxUsd },
      spent: { tokens: tokens(u), usd: u.usd },
    };
  }

  async agent(_sandboxSeq: number, prompt: string, opts: AgentOptions): Promise<unknown> {
    if (this.signal.aborted) throw reasonOf(this.signal);
    if (this.run.counts.total >= this.run.limits.maxAgents) throw new AgentLimitError(this.run.limits.maxAgents);
    const tools = opts.tools ? [...opts.tools] : [...this.deps.allowedTools];
    const model = opts.model ?? this.run.options.agentModel ?? this.deps.defaultModel;
    const maxTurns = Math.min(MAX_TURNS_CEILING, Math.max(1, Math.floor(opts.maxTurns ?? DEFAULT_MAX_TURNS)));
    const task: AgentTask = { prompt, system: opts.system ?? null, schema: opts.schema ?? null, tools, model, maxTurns };
    const fp = fingerprint(task);
    const occurrence = this.occurrences.get(fp) ?? 0;
    this.occurrences.set(fp, occurrence + 1);
    const counts = this.run.counts;
    counts.total++;

    const prior = this.deps.journal.find(this.run.id, fp, occurrence);
    if (prior && (prior.status === 'done' || prior.status === 'failed')) {
      // Recorded in an earlier execution of this run: same answer, no model call.
      if (prior.status === 'done') counts.done++; else counts.failed++;
      this.deps.save();
      return prior.status === 'done' ? prior.result : null;
    }
    const label = opts.label ?? null;
    const phase = opts.phase ?? this.run.phase;
    const rec: AgentRecord = prior ?? {
      runId: this.run.id, seq: this.nextSeq++, fingerprint: fp, occurrence, label, phase, prompt, tools, model,
      status: 'queued', result: null, error: null, usage: emptyUsage(), replayed: false, attempts: 0, startedAt: null, endedAt: null,
    };
    rec.label = label;
    rec.phase = phase;

    const widened = tools.filter((t) => !this.deps.allowedTools.includes(t));
    if (widened.length) return this.fail(rec, new ToolNotAllowedError(widened.join(', ')), emptyUsage());

    if (!prior && this.run.parentId) {
      const inherited = this.deps.journal.find(this.run.parentId, fp, occurrence);
      if (inherited && inherited.status === 'done') {
        Object.assign(rec, { status: 'done', result: inherited.result, replayed: true, endedAt: new Date().toISOString() });
        this.deps.journal.write(rec);
        counts.done++;
        this.deps.emit({ type: 'agent.completed', seq: rec.seq, label, phase, usage: rec.usage, replayed: true });
        this.deps.save();
        return rec.result;
      }
    }

    rec.status = 'queued';
    counts.queued++;
    this.deps.journal.transaction(() => {
      this.deps.journal.write(rec); // issued: before dispatch
      this.deps.emit({ type: 'agent.queued', seq: rec.seq, label, phase });
    });
    return this.concurrency.run(() => this.deps.globalLimit(() => this.dispatch(rec, task)));
  }

  private async dispatch(rec: AgentRecord, task: AgentTask): Promise<unknown> {
    const counts = this.run.counts;
    try {
      await this.pauseGate.pass(this.signal);
      if (this.signal.aborted) throw reasonOf(this.signal);
      this.checkBudget();
    } catch (err) {
      counts.queued--;
      rec.status = 'cancelled';
      rec.error = toErrorInfo(err);
      this.deps.journal.write(rec);
      throw err;
    }
    counts.queued--;
    counts.active++;
    rec.status = 'active';
    rec.attempts++;
    rec.startedAt = new Date().toISOString();
    this.deps.journal.transaction(() => {
      this.deps.journal.write(rec);
      this.deps.emit({ type: 'agent.started', seq: rec.seq, label: rec.label, phase: rec.phase });
    });
    this.deps.inFlight.inc();
    try {
      const { value, usage } = await runAgent(task, {
        ...this.deps.agentDeps,
        hooks: {
          ...this.deps.agentDeps.hooks,
          onPushback: (ms) => { this.concurrency.pushback(ms); this.deps.agentDeps.hooks.onPushback?.(ms); },
          onSuccess: () => { this.concurrency.success(); this.deps.agentDeps.hooks.onSuccess?.(); },
          onRetry: (attempt, reason, delayMs) => {
            this.deps.emit({ type: 'agent.retry', seq: rec.seq, attempt, reason, delayMs });
            this.deps.agentDeps.hooks.onRetry?.(attempt, reason, delayMs);
          },
        },
        onUsage: (u) => this.spend(u),
      }, this.signal);
      counts.active--;
      counts.done++;
      Object.assign(rec, { status: 'done', result: value, usage, error: null, endedAt: new Date().toISOString() });
      this.deps.journal.transaction(() => {
        this.deps.journal.write(rec); // completed: before the script sees the result
        this.deps.emit({ type: 'agent.completed', seq: rec.seq, label: rec.label, phase: rec.phase, usage, replayed: false });
        this.deps.save();
      });
      return value;
    } catch (err) {
      counts.active--;
      if (this.signal.aborted) {
        rec.status = 'cancelled';
        rec.error = toErrorInfo(reasonOf(this.signal));
        rec.endedAt = new Date().toISOString();
        this.deps.journal.write(rec);
        throw reasonOf(this.signal);
      }
      const failure = err instanceof AgentFailure ? err : new AgentFailure(err, emptyUsage());
      return this.fail(rec, failure, failure.usage);
    } finally {
      this.deps.inFlight.dec();
    }
  }

  /** A terminal agent failure: recorded with its reason, and null to the script. */
  private fail(rec: AgentRecord, err: unknown, usage: Usage): null {
    this.run.counts.failed++;
    Object.assign(rec, { status: 'failed', error: toErrorInfo(err), usage, endedAt: new Date().toISOString() });
    this.deps.journal.write(rec);
    this.deps.emit({ type: 'agent.failed', seq: rec.seq, label: rec.label, phase: rec.phase, error: rec.error! });
    this.deps.save();
    return null;
  }

  private spend(u: Usage): void {
    addUsage(this.run.usage, u);
    this.deps.onUsage?.(u);
  }

  /** Refuses a dispatch once the budget is spent: at most the agents already in flight overshoot. */
  checkBudget(): void {
    const u = this.run.usage;
    const { maxUsd, maxTokens } = this.run.limits;
    if (u.usd >= maxUsd) throw new UsdBudgetError(maxUsd, u.usd);
    if (tokens(u) >= maxTokens) throw new TokenBudgetError(maxTokens, tokens(u));
  }
}

export function tokens(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}

function reasonOf(signal: AbortSignal): DwError {
  const r: unknown = signal.reason;
  return r instanceof DwError ? r : new RunCancelledError();
}
