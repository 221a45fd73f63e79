import type { AgentRecord } from '../core/types';
import type { JournalReads } from '../store/store';

/** Rows read per query when a journal is loaded. */
const PAGE = 1000;

/**
 * What earlier executions recorded, read once when an execution starts: this run's journal (a
 * call that finished is answered from it, an unfinished one is dispatched again under its seq),
 * and the completed answers of the run it reruns. Calls are matched by fingerprint and
 * occurrence, so a script that makes the same calls in the same order gets the same answers.
 */
export class Replay {
  private constructor(
    private readonly own: ReadonlyMap<string, AgentRecord>,
    private readonly parent: ReadonlyMap<string, AgentRecord>,
    /** The highest seq this run has journaled (0 for none): new calls are numbered after it. */
    readonly maxSeq: number,
  ) {}

  static async load(journal: JournalReads, runId: string, parentId: string | null): Promise<Replay> {
    const [own, parent] = await Promise.all([readAll(journal, runId), parentId ? readAll(journal, parentId, 'done') : []]);
    let maxSeq = 0;
    for (const rec of own) maxSeq = Math.max(maxSeq, rec.seq);
    return new Replay(byCall(own), byCall(parent), maxSeq);
  }

  /** This call as an earlier execution of this run recorded it (finished or not). */
  prior(fingerprint: string, occurrence: number): AgentRecord | null {
    return this.own.get(key(fingerprint, occurrence)) ?? null;
  }

  /** The parent run's completed answer to the same call, if any. */
  inherited(fingerprint: string, occurrence: number): AgentRecord | null {
    return this.parent.get(key(fingerprint, occurrence)) ?? null;
  }
}

async function readAll(journal: JournalReads, runId: string, status?: 'done'): Promise<AgentRecord[]> {
  const all: AgentRecord[] = [];
  for (;;) {
    const page = await journal.list(runId, { ...(status ? { status } : {}), offset: all.length, limit: PAGE });
    all.push(...page.agents);
    if (page.agents.length < PAGE || all.length >= page.total) return all;
  }
}

function byCall(records: readonly AgentRecord[]): Map<string, AgentRecord> {
  return new Map(records.map((r) => [key(r.fingerprint, r.occurrence), r]));
}

const key = (fingerprint: string, occurrence: number): string => `${occurrence}:${fingerprint}`;

export const isFinished = (rec: AgentRecord): boolean => rec.status === 'done' || rec.status === 'failed';
