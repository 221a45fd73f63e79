import { emptyUsage, type AgentRecord, type RunRecord } from '../../src/core/types';

/** A finished agent record of run `runId`, number `seq`, with `patch` over plain defaults. */
export function agentRecord(runId: string, seq: number, patch: Partial<AgentRecord> = {}): AgentRecord {
  return {
    runId,
    seq,
    fingerprint: `fp${seq}`,
    occurrence: 0,
    label: null,
    phase: null,
    prompt: 'p',
    tools: [],
    model: 'm',
    status: 'done',
    result: null,
    error: null,
    usage: emptyUsage(),
    replayed: false,
    attempts: 1,
    startedAt: null,
    endedAt: null,
    ...patch,
  };
}

/** A run record with plain defaults, `patch` over them. */
export function runRecord(id: string, patch: Partial<RunRecord> = {}): RunRecord {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id,
    status: 'queued',
    phase: null,
    task: 't',
    input: null,
    options: {},
    limits: { maxParallel: 1, maxAgents: 1, maxTokens: 1, maxUsd: 1, deadlineMs: 1, cpuMs: 1, memoryMb: 8 },
    counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 },
    usage: emptyUsage(),
    result: null,
    error: null,
    parentId: null,
    meta: null,
    createdAt: at,
    updatedAt: at,
    hasScript: false,
    approval: null,
    paused: false,
    estimate: null,
    deadlineAt: null,
    ...patch,
  };
}
