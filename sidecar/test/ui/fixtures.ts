import type { FakeEngine } from '../http/fake-engine';
import { emptyUsage, type AgentRecord, type AgentStatus, type RunRecord } from '../../src/core/types';

export const SCRIPT = [
  "export const meta = { name: 'audit-auth', description: 'Audit auth code', phases: ['scan', 'verify'] };",
  "phase('scan');",
  '// one agent per file',
  'const found = await parallel(args.files.map(f => () => agent(`Find security bugs in ${f}`, { label: f })));',
  "phase('verify');",
  'const confirmed = await verify(found.filter(Boolean), { skeptics: 3 });',
  'return { confirmed, total: found.length / 2 };',
].join('\n');

function usage(i: number) {
  return { ...emptyUsage(), inputTokens: 1200 + i, outputTokens: 300, cacheReadTokens: 4000, usd: 0.0021 };
}

/**
 * A running run of `agents` agents in two phases, in the fake engine's store and event log:
 * most done, some failed, a few active, two verification rounds.
 */
export function seedBigRun(engine: FakeEngine, agents = 1000, patch: Partial<RunRecord> = {}): { run: RunRecord; failed: number[] } {
  const run = engine.seed({ task: 'Audit the auth module', meta: { name: 'audit-auth', phases: ['scan', 'verify'] }, ...patch }, SCRIPT);
  const log: AgentRecord[] = [];
  const failed: number[] = [];
  const scanCount = Math.floor(agents * 0.8);
  engine.emit(run.id, { type: 'run.status', status: 'running' });
  engine.emit(run.id, { type: 'phase', name: 'scan' });
  for (let seq = 0; seq < agents; seq++) {
    if (seq === scanCount) engine.emit(run.id, { type: 'phase', name: 'verify' });
    const phase = seq < scanCount ? 'scan' : 'verify';
    const label = `src/file-${seq}.ts`;
    const status: AgentStatus = seq % 37 === 5 ? 'failed' : seq >= agents - 12 ? 'active' : 'done';
    engine.emit(run.id, { type: 'agent.queued', seq, label, phase });
    engine.emit(run.id, { type: 'agent.started', seq, label, phase });
    if (status === 'done') engine.emit(run.id, { type: 'agent.completed', seq, label, phase, usage: usage(seq), replayed: false });
    const error = status === 'failed' ? { code: 'model_error', message: `The model refused file ${seq}` } : null;
    if (error) {
      failed.push(seq);
      engine.emit(run.id, { type: 'agent.failed', seq, label, phase, error });
    }
    log.push({
      runId: run.id,
      seq,
      fingerprint: `fp${seq}`,
      occurrence: 0,
      label,
      phase,
      prompt: `Find security bugs in ${label}`,
      tools: ['read_file', 'grep'],
      model: 'claude-offline',
      status,
      result: status === 'done' ? { findings: [`issue in ${label}`] } : null,
      error,
      usage: status === 'active' ? emptyUsage() : usage(seq),
      replayed: false,
      attempts: 1,
      startedAt: '2025-01-01T00:00:01.000Z',
      endedAt: status === 'active' ? null : '2025-01-01T00:00:03.500Z',
    });
  }
  engine.emit(run.id, { type: 'verify.round', helper: 'verify', round: 1, agreement: 0.62, survivors: 40 });
  engine.emit(run.id, { type: 'verify.round', helper: 'verify', round: 2, agreement: 0.91, survivors: 31 });
  engine.agentLogs.set(run.id, log);
  const done = log.filter((a) => a.status === 'done').length;
  const active = log.filter((a) => a.status === 'active').length;
  Object.assign(run, {
    phase: 'verify',
    counts: { queued: 0, active, done, failed: failed.length, total: agents },
    usage: { inputTokens: 1_400_000, outputTokens: 290_000, cacheReadTokens: 3_900_000, cacheWriteTokens: 12_000, usd: 2.1337 },
  });
  return { run, failed };
}
