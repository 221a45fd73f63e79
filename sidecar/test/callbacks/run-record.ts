import { emptyUsage, type RunRecord, type RunStatus } from '../../src/core/types';

export function runRecord(id: string, status: RunStatus, patch: Partial<RunRecord> = {}): RunRecord {
  const at = new Date(0).toISOString();
  return {
    id,
    status,
    phase: null,
    task: 't',
    input: null,
    options: {},
    limits: { maxParallel: 16, maxAgents: 1000, maxTokens: 1, maxUsd: 1, deadlineMs: 1, cpuMs: 1, memoryMb: 8 },
    counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 },
    usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 5, usd: 0.01 },
    result: null,
    error: null,
    parentId: null,
    meta: null,
    createdAt: at,
    updatedAt: at,
    hasScript: true,
    approval: null,
    paused: false,
    estimate: null,
    deadlineAt: null,
    ...patch,
  };
}
