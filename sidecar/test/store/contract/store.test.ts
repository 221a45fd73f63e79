import type { McpToolInfo } from '../../../src/core/mcp';
import type { StoredEvent } from '../../../src/core/types';
import type { Store } from '../../../src/store/store';
import { agentRecord, runRecord } from '../../support/records';
import { BACKENDS } from './backends';

// One contract, every store: what the engine, callbacks and HTTP layer may rely on.
const skipped = BACKENDS.filter((b) => b.skip);
for (const b of skipped) console.warn(`store contract: ${b.name} skipped (${b.skip})`);

describe.each(BACKENDS.filter((b) => !b.skip).map((b) => [b.name, b] as const))('Store contract (%s)', (_name, backend) => {
  let store: Store;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(() => store.close());

  it('a run inserted is read back with its spec and script, and lists newest first by pages', async () => {
    await store.insertRun(runRecord('r1'), { task: 'one' }, 'return 1');
    await store.insertRun(runRecord('r2', { status: 'running' }), { task: 'two' }, null);
    await store.insertRun(runRecord('r3'), { task: 'three' }, null);
    expect(await store.runs.get('r1')).toEqual(runRecord('r1'));
    expect(await store.runs.get('nope')).toBeNull();
    expect(await store.runs.spec('r1')).toEqual({ task: 'one' });
    expect(await store.runs.script('r1')).toBe('return 1');
    expect(await store.runs.script('r2')).toBeNull();
    await store.setScript('r2', 'return 2');
    expect(await store.runs.script('r2')).toBe('return 2');

    const first = await store.runs.list({ limit: 2 });
    expect(first.runs.map((r) => r.id)).toEqual(['r3', 'r2']);
    expect(first.last).not.toBeNull();
    const second = await store.runs.list({ limit: 2, before: first.last! });
    expect(second).toEqual({ runs: [runRecord('r1')], last: null });
    expect((await store.runs.list({ limit: 10, status: 'running' })).runs.map((r) => r.id)).toEqual(['r2']);
  });

  it('a step commits journal rows, the run record and events together, and events get increasing ids', async () => {
    await store.insertRun(runRecord('r1'), { task: 't' }, null);
    const running = runRecord('r1', { status: 'running', updatedAt: '2026-01-01T00:00:01.000Z' });
    const seen: StoredEvent[] = [];
    const off = store.events.subscribe('r1', (e) => seen.push(e));
    const step = await store.commit({
      agents: [agentRecord('r1', 1, { status: 'queued' })],
      run: running,
      events: [
        { runId: 'r1', event: { type: 'run.status', status: 'running' } },
        { runId: 'r1', event: { type: 'phase', name: 'Scan' } },
      ],
    });
    off();
    expect(step.events.map((e) => e.event.type)).toEqual(['run.status', 'phase']);
    expect(step.events[1].id).toBeGreaterThan(step.events[0].id);
    expect(step.events[0].bytes).toBe(JSON.stringify({ type: 'run.status', status: 'running' }).length);
    expect(seen.map((e) => e.id)).toEqual(step.events.map((e) => e.id));
    expect(await store.runs.get('r1')).toEqual(running);
    expect(await store.journal.get('r1', 1)).toEqual(agentRecord('r1', 1, { status: 'queued' }));
    expect((await store.runs.unfinished()).map((r) => r.id)).toEqual(['r1']);
  });

  it('a failing step leaves nothing behind (one transaction)', async () => {
    await store.insertRun(runRecord('r1'), { task: 't' }, null);
    await store.commit({ agents: [agentRecord('r1', 1, { fingerprint: 'same' })] });
    // Seq 2 with the fingerprint and occurrence of seq 1 breaks the unique key, after the run update.
    await expect(
      store.commit({
        run: runRecord('r1', { status: 'running' }),
        events: [{ runId: 'r1', event: { type: 'phase', name: 'x' } }],
        agents: [agentRecord('r1', 3), agentRecord('r1', 2, { fingerprint: 'same' })],
      }),
    ).rejects.toThrow();
    expect((await store.runs.get('r1'))?.status).toBe('queued');
    expect(await store.journal.get('r1', 3)).toBeNull();
    expect(await store.events.since('r1', 0)).toEqual([]);
  });

  it('the journal rewrites a call in place (issued, then completed) and finds it by fingerprint and occurrence', async () => {
    const issued = agentRecord('r1', 1, { status: 'queued', result: null });
    await store.commit({ agents: [issued] });
    const done = agentRecord('r1', 1, { status: 'done', result: { deep: [1, 'two', null] } });
    await store.commit({ agents: [done] });
    await store.commit({ agents: [agentRecord('r1', 2, { status: 'failed', fingerprint: 'fp1', occurrence: 1 })] });
    expect(await store.journal.get('r1', 1)).toEqual(done);
    expect(await store.journal.find('r1', 'fp1', 0)).toEqual(done);
    expect((await store.journal.find('r1', 'fp1', 1))?.seq).toBe(2);
    expect(await store.journal.find('r1', 'fp1', 2)).toBeNull();
    expect(await store.journal.maxSeq('r1')).toBe(2);
    expect(await store.journal.maxSeq('other')).toBe(0);
    expect(await store.journal.list('r1', { offset: 0, limit: 10, status: 'failed' })).toEqual({
      agents: [agentRecord('r1', 2, { status: 'failed', fingerprint: 'fp1', occurrence: 1 })],
      total: 1,
    });
    const page = await store.journal.list('r1', { offset: 1, limit: 1 });
    expect(page.total).toBe(2);
    expect(page.agents.map((a) => a.seq)).toEqual([2]);
  });

  it('events are read after an id, per run or for all runs, with totals per run', async () => {
    const a = await store.commit({ events: [{ runId: 'a', event: { type: 'phase', name: '1' } }] });
    const b = await store.commit({ events: [{ runId: 'b', event: { type: 'phase', name: '2' } }] });
    await store.commit({ events: [{ runId: 'a', event: { type: 'phase', name: '3' } }] });
    expect((await store.events.since('a', 0)).map((e) => e.event)).toEqual([
      { type: 'phase', name: '1' },
      { type: 'phase', name: '3' },
    ]);
    expect((await store.events.since(null, a.events[0].id)).map((e) => e.runId)).toEqual(['b', 'a']);
    expect((await store.events.since(null, 0, 1)).map((e) => e.id)).toEqual([a.events[0].id]);
    expect(await store.events.since('b', b.events[0].id)).toEqual([]);
    const totals = await store.events.totals('a');
    expect(totals.count).toBe(2);
    expect(totals.bytes).toBe(2 * JSON.stringify({ type: 'phase', name: '1' }).length);
    expect(await store.events.totals('none')).toEqual({ count: 0, bytes: 0 });
  });

  it('a step under a stale lease token is refused with fenced_out, and changes nothing', async () => {
    await store.insertRun(runRecord('r1'), { task: 't' }, null);
    await store.commit({ fence: { runId: 'r1', token: 2 }, agents: [agentRecord('r1', 1)] });
    await expect(store.commit({ fence: { runId: 'r1', token: 1 }, agents: [agentRecord('r1', 2)] })).rejects.toMatchObject({
      code: 'fenced_out',
    });
    expect(await store.journal.get('r1', 2)).toBeNull();
    await store.commit({ fence: { runId: 'r1', token: 2 }, agents: [agentRecord('r1', 2)] });
    await store.commit({ fence: { runId: 'r1', token: 3 }, agents: [agentRecord('r1', 3)] });
    expect(await store.journal.maxSeq('r1')).toBe(3);
    await expect(store.commit({ fence: { runId: 'missing', token: 1 } })).rejects.toMatchObject({ code: 'run_not_found' });
  });

  it('child scripts and MCP tool lists keep the first entry recorded', async () => {
    const child = { runId: 'r1', ref: '"audit"', name: 'audit', sha256: 'x', script: 'return 1', at: '2026-01-01T00:00:00.000Z' };
    expect(await store.childScripts.get('r1', '"audit"')).toBeNull();
    expect(await store.childScripts.record(child)).toEqual(child);
    expect(await store.childScripts.record({ ...child, script: 'return 2' })).toEqual(child);
    const tools: McpToolInfo[] = [{ name: 'search', description: 'd', inputSchema: { type: 'object' } }];
    expect(await store.mcpTools.load('r1', 'srv')).toBeNull();
    expect(await store.mcpTools.save('r1', 'srv', tools)).toEqual(tools);
    expect(await store.mcpTools.save('r1', 'srv', [])).toEqual(tools);
  });

  it('prune removes old finished runs with their rows, keeps unfinished ones and parents of unfinished reruns', async () => {
    const old = '2025-01-01T00:00:00.000Z';
    await store.insertRun(runRecord('done', { status: 'converged', updatedAt: old }), { task: 't' }, null);
    await store.insertRun(runRecord('parent', { status: 'converged', updatedAt: old }), { task: 't' }, null);
    await store.insertRun(runRecord('child', { status: 'running', parentId: 'parent', updatedAt: old }), { task: 't' }, null);
    await store.commit({
      agents: [agentRecord('done', 1), agentRecord('parent', 1)],
      events: [{ runId: 'done', event: { type: 'phase', name: 'x' } }],
    });
    const result = await store.prune({ days: 30, now: () => Date.parse('2026-01-01T00:00:00.000Z') });
    expect(result).toMatchObject({ runs: 1, events: 1, agents: 1 });
    expect(await store.runs.get('done')).toBeNull();
    expect(await store.journal.get('done', 1)).toBeNull();
    expect(await store.runs.get('parent')).not.toBeNull();
    expect(await store.runs.get('child')).not.toBeNull();
  });
});

describe('store contract backends', () => {
  it('names every skipped backend and why', () => {
    for (const b of skipped) expect(b.skip).toMatch(/\S/);
  });
});
