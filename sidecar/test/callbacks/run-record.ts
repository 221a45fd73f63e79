import { emptyUsage, type RunRecord, type RunStatus } from '../../src/core/types';
import { runRecord as plainRunRecord } from '../support/records';

/** A run record as the callback tests see runs: with a script, default limits and some usage. */
export function runRecord(id: string, status: RunStatus, patch: Partial<RunRecord> = {}): RunRecord {
  const at = new Date(0).toISOString();
  return plainRunRecord(id, {
    status,
    limits: { maxParallel: 16, maxAgents: 1000, maxTokens: 1, maxUsd: 1, deadlineMs: 1, cpuMs: 1, memoryMb: 8 },
    usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 5, usd: 0.01 },
    createdAt: at,
    updatedAt: at,
    hasScript: true,
    ...patch,
  });
}
