import { createRunState as createPageRunState } from '../../src/ui/page/run-state';
import type { RunEvent, RunRecord } from '../../src/core/types';

interface PhaseCounts {
  name: string;
  total: number;
  queued: number;
  active: number;
  done: number;
  failed: number;
  cancelled: number;
}
interface RunState {
  run: RunRecord;
  lastEventId: number;
  rounds: Array<{ helper: string; round: number; agreement: number | null }>;
  activity: Array<{ kind: string; text: string }>;
  apply(e: { id: number; runId: string; at: string; event: RunEvent }): string | null;
  phases(): PhaseCounts[];
  setRun(r: RunRecord): void;
}

const createRunState = createPageRunState as unknown as (r: RunRecord) => RunState;

function record(patch: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'r1',
    status: 'running',
    phase: null,
    task: 't',
    input: null,
    options: {},
    limits: { maxParallel: 16, maxAgents: 1000, maxTokens: 1e6, maxUsd: 25, deadlineMs: 1e6, cpuMs: 1e4, memoryMb: 128 },
    counts: { queued: 0, active: 0, done: 0, failed: 0, total: 0 },
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 },
    result: null,
    error: null,
    parentId: null,
    meta: null,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    hasScript: true,
    approval: null,
    paused: false,
    estimate: null,
    deadlineAt: null,
    ...patch,
  };
}

function feeder(state: RunState) {
  let id = 0;
  return (event: RunEvent) => state.apply({ id: ++id, runId: 'r1', at: '2025-01-01T00:00:01Z', event });
}

describe('run view state', () => {
  test('per-phase counts follow each agent through its events, phases in the order the script declares', () => {
    const state = createRunState(record({ meta: { phases: ['scan', 'verify'] } }));
    const feed = feeder(state);
    feed({ type: 'phase', name: 'scan' });
    for (let seq = 0; seq < 5; seq++) feed({ type: 'agent.queued', seq, label: null, phase: 'scan' });
    for (let seq = 0; seq < 3; seq++) feed({ type: 'agent.started', seq, label: null, phase: 'scan' });
    const usage = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 };
    feed({ type: 'agent.completed', seq: 0, label: null, phase: 'scan', usage, replayed: false });
    feed({ type: 'agent.failed', seq: 1, label: 'b', phase: 'scan', error: { code: 'model_error', message: 'x' } });
    feed({ type: 'agent.queued', seq: 5, label: null, phase: 'verify' });

    const [scan, verify] = state.phases();
    expect(scan).toMatchObject({ name: 'scan', total: 5, done: 1, failed: 1, active: 1, queued: 2 });
    expect(verify).toMatchObject({ name: 'verify', total: 1, queued: 1 });
    expect(state.activity.some((a) => a.kind === 'error' && a.text.includes('Agent 1 (b) failed'))).toBe(true);
  });

  test('once the run has ended, agents last seen queued or active count as stopped', () => {
    const state = createRunState(record());
    const feed = feeder(state);
    feed({ type: 'agent.queued', seq: 0, label: null, phase: null });
    feed({ type: 'agent.started', seq: 1, label: null, phase: null });
    expect(state.phases()[0]).toMatchObject({ name: '(no phase)', queued: 1, active: 1, cancelled: 0 });
    expect(feed({ type: 'run.status', status: 'cancelled', error: { code: 'cancelled', message: 'stop' } })).toBe('record');
    expect(state.phases()[0]).toMatchObject({ queued: 0, active: 0, cancelled: 2 });
    expect(state.run.error).toEqual({ code: 'cancelled', message: 'stop' });
  });

  test('a restarted agent moves back from failed to queued', () => {
    const state = createRunState(record());
    const feed = feeder(state);
    feed({ type: 'agent.failed', seq: 0, label: null, phase: 'p', error: { code: 'e', message: 'm' } });
    feed({ type: 'agent.queued', seq: 0, label: null, phase: 'p' });
    expect(state.phases()[0]).toMatchObject({ total: 1, failed: 0, queued: 1 });
  });

  test('budget events update counts and usage; verify rounds are kept in order', () => {
    const state = createRunState(record());
    const feed = feeder(state);
    const counts = { queued: 1, active: 2, done: 3, failed: 0, total: 6 };
    const usage = { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0.5 };
    feed({ type: 'budget', usage, counts });
    feed({ type: 'verify.round', helper: 'verify', round: 1, agreement: 0.5, survivors: 3 });
    feed({ type: 'verify.round', helper: 'verify', round: 2, agreement: 1, survivors: 2 });
    expect(state.run.counts).toEqual(counts);
    expect(state.run.usage).toEqual(usage);
    expect(state.rounds.map((r) => [r.round, r.agreement])).toEqual([
      [1, 0.5],
      [2, 1],
    ]);
  });

  test('an event id already seen is ignored (a resumed stream never double-counts)', () => {
    const state = createRunState(record());
    const at = '2025-01-01T00:00:00Z';
    expect(state.apply({ id: 7, runId: 'r1', at, event: { type: 'phase', name: 'a' } })).toBe('phase');
    expect(state.apply({ id: 7, runId: 'r1', at, event: { type: 'phase', name: 'b' } })).toBeNull();
    expect(state.run.phase).toBe('a');
    expect(state.lastEventId).toBe(7);
  });

  test('a fresh record naming new phases adds them after the ones already seen', () => {
    const state = createRunState(record());
    feeder(state)({ type: 'agent.queued', seq: 0, label: null, phase: 'scan' });
    state.setRun(record({ meta: { phases: ['scan', 'report'] } }));
    expect(state.phases().map((p) => p.name)).toEqual(['scan', 'report']);
  });

  test('the activity log keeps only the most recent entries', () => {
    const state = createRunState(record());
    const feed = feeder(state);
    for (let i = 0; i < 400; i++) feed({ type: 'log', message: `line ${i}` });
    expect(state.activity).toHaveLength(300);
    expect(state.activity.at(-1)!.text).toBe('line 399');
  });
});
