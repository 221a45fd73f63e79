import type { AgentRecord } from '../core/types';
import type { Journal } from '../store/journal';

/**
 * What an execution of a run can take from journals instead of calling a model: the n-th call
 * with a fingerprint is the same agent in every execution of a script (scripts are
 * deterministic), so its recorded outcome is its outcome.
 */
export class Replay {
  constructor(
    private readonly journal: Journal,
    private readonly runId: string,
    /** The run this run reruns, whose completed answers it reuses. */
    private readonly parentId: string | null,
  ) {}

  /** This call as an earlier execution of this run recorded it (finished or not). */
  prior(fingerprint: string, occurrence: number): AgentRecord | null {
    return this.journal.find(this.runId, fingerprint, occurrence);
  }

  /** The parent run's completed answer to the same call, if any. */
  inherited(fingerprint: string, occurrence: number): AgentRecord | null {
    if (!this.parentId) return null;
    const rec = this.journal.find(this.parentId, fingerprint, occurrence);
    return rec && rec.status === 'done' ? rec : null;
  }
}

/** Whether a journaled agent has an outcome a replay returns as is. */
export const isFinished = (rec: AgentRecord): boolean => rec.status === 'done' || rec.status === 'failed';
