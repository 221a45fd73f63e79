import { isTerminal, type RunRecord, type Usage } from '../core/types';
import type { ModelCallHooks, RetryPolicy } from '../agents/model-call';
import { estimatePlan } from '../planner/estimate';
import { planScript, type SavedWorkflowHint } from '../planner/planner';
import type { ModelProvider } from '../providers/types';
import type { Store } from '../store/store';
import type { RunRecords } from './run-records';

export interface PlanningDeps {
  readonly provider: ModelProvider;
  readonly records: RunRecords;
  readonly store: Pick<Store, 'setScript'>;
  readonly retry: () => RetryPolicy;
  readonly hooks: () => ModelCallHooks;
  /** Repair rounds after a script fails the check. */
  readonly repairs: number;
  /** The planner model when neither the run nor the operator names one. */
  readonly defaultModel: string | null;
  /** The saved workflows the planner may tell the script to call (valid ones only). */
  readonly savedWorkflows: () => readonly SavedWorkflowHint[];
}

/**
 * The planning step of a run: Claude writes the script (`planning`), and a run that asks for
 * approval stops at the plan gate (`awaiting_approval`) with an estimate. Cancelling aborts
 * the signal the execution gives it.
 */
export class Planning {
  constructor(private readonly deps: PlanningDeps) {}

  model(run: RunRecord): string {
    return run.options.model ?? this.deps.defaultModel ?? this.deps.provider.defaultModel;
  }

  /** Plans the run's script and stores it; null when the run ended meanwhile. */
  async plan(run: RunRecord, signal: AbortSignal): Promise<string | null> {
    const { records } = this.deps;
    await records.setStatus(run.id, 'planning');
    try {
      const planned = await planScript(
        {
          task: run.task,
          input: run.input,
          tools: run.options.tools ?? [],
          maxAgents: run.limits.maxAgents,
          model: this.model(run),
          savedWorkflows: this.deps.savedWorkflows(),
        },
        { provider: this.deps.provider, retry: this.deps.retry(), hooks: this.deps.hooks(), repairs: this.deps.repairs },
        signal,
      );
      if (await this.ended(run.id)) return null;
      records.spend(run.id, planned.usage);
      await this.deps.store.setScript(run.id, planned.script.source);
      await records.patch(run.id, (r) => {
        r.hasScript = true;
        r.meta = planned.script.meta;
      });
      records.emit(run.id, { type: 'run.script', source: 'planner' });
      if (planned.summary) records.emit(run.id, { type: 'log', message: `Plan: ${planned.summary}` });
      return planned.script.source;
    } catch (err) {
      const u = (err as { usage?: Usage }).usage;
      if (u) records.spend(run.id, u);
      if (await this.ended(run.id)) return null;
      throw err;
    }
  }

  /** Stops at the plan gate when the run asks for approval and has none yet; true when it stopped. */
  async gate(run: RunRecord, source: string): Promise<boolean> {
    if (!run.options.approvePlan || run.approval?.approved) return false;
    const estimate = estimatePlan(source, run.input, run.options.agentModel ?? this.model(run), run.limits.maxAgents);
    await this.deps.records.patch(run.id, (r) => {
      r.estimate = estimate;
    });
    await this.deps.records.setStatus(run.id, 'awaiting_approval');
    return true;
  }

  private async ended(id: string): Promise<boolean> {
    const run = await this.deps.records.get(id);
    return !run || isTerminal(run.status);
  }
}
