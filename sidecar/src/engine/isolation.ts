import path from 'node:path';
import type { SidecarConfig } from '../config/config';
import { isTerminal, type AgentRecord } from '../core/types';
import { DEFAULT_COPY_LIMITS, Isolation } from '../isolation';
import type { Store } from '../store/store';
import type { ToolContext } from '../tools/types';

/** The isolation service of a data folder, with the operator's bounds. */
export function isolationOf(config: Pick<SidecarConfig, 'dataDir' | 'maxIsolatedCopies' | 'isolationCopyMaxMb'>): Isolation {
  return new Isolation({
    root: path.join(config.dataDir, 'isolation'),
    maxCopiesPerRun: config.maxIsolatedCopies,
    copyLimits: { ...DEFAULT_COPY_LIMITS, maxBytes: config.isolationCopyMaxMb * 1024 * 1024 },
  });
}

/** Whether a run's agents can have `isolation: 'worktree'`, and if not, why. */
export type RunIsolation =
  | { readonly available: true; readonly workspaceDir: string; readonly service: Isolation }
  | { readonly available: false; readonly reason: string };

/**
 * Runs an isolated agent's `work` with its file tools confined to its own copy of the workspace,
 * and records on `rec` where the copy went (before the caller journals the agent's end).
 */
export async function inOwnCopy<T>(
  iso: Extract<RunIsolation, { available: true }>,
  rec: AgentRecord,
  base: ToolContext,
  work: (ctx: ToolContext) => Promise<T>,
  onError: (err: unknown) => void,
): Promise<T> {
  const copy = await iso.service.open(iso.workspaceDir, rec.runId, rec.seq);
  try {
    return await work({ ...base, workspaceDir: copy.dir });
  } finally {
    const title = `Agent ${rec.seq}${rec.label ? ` (${rec.label})` : ''} of run ${rec.runId}`;
    rec.isolation = await iso.service.close(copy, `${title}\n\n${rec.prompt.slice(0, 2000)}`, onError);
  }
}

/**
 * Which copies sweep() removes: those of runs that are gone, or ended without an agent record
 * keeping that folder (an agent stopped by a crash, then never finished). Copies of unfinished
 * runs stay: their agents replace them when they run again.
 */
export function leftoverCopies(store: Pick<Store, 'runs' | 'journal'>): (runId: string, seq: number, dir: string) => Promise<boolean> {
  return async (runId, seq, dir) => {
    const run = await store.runs.get(runId);
    if (!run) return true;
    if (!isTerminal(run.status)) return false;
    return (await store.journal.get(runId, seq))?.isolation?.path !== dir;
  };
}
