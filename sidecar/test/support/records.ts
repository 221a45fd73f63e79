import { emptyUsage, type AgentRecord } from '../../src/core/types';

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
