import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expectPrompt, watchHealth } from '../support/health-watch';
import { SidecarProcess } from '../support/sidecar-process';

/**
 * Attacks on the sidecar's limits through its real HTTP API (the built sidecar as a child
 * process, the offline model over HTTP): the operator's limits are ceilings, host-side floods
 * are counted, and a call that keeps killing the process stops being retried. /healthz
 * answers promptly throughout and other runs lose nothing.
 */
type Run = {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  result: unknown;
  deadlineAt: string | null;
  phase: string | null;
};
type Ev = { id: number; event: { type: string; message?: string; name?: string; label?: string | null; status?: string } };

/** The run's stored events, read from the sidecar's own store (the API streams them as SSE). */
async function events(sc: SidecarProcess, id: string): Promise<Ev[]> {
  const db = new DatabaseSync(path.join(sc.dataDir, 'sidecar.db'), { readOnly: true });
  try {
    const rows = db.prepare('SELECT id, data FROM events WHERE run_id = ? ORDER BY id').all(id) as unknown as {
      id: number;
      data: string;
    }[];
    return rows.map((r) => ({ id: r.id, event: JSON.parse(r.data) as Ev['event'] }));
  } finally {
    db.close();
  }
}

async function start(sc: SidecarProcess, body: Record<string, unknown>): Promise<Run> {
  const r = await sc.request<Run>('POST', '/v1/runs', body);
  if (r.status !== 201 && r.status !== 202) throw new Error(`POST /v1/runs: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function waitFor(predicate: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the operator’s limits are ceilings', () => {
  const sc = new SidecarProcess({ DW_MAX_USD: '5', DW_MAX_AGENTS: '50', DW_MEMORY_MB: '64', DW_MAX_RUNS: '1' });
  beforeAll(() => sc.start(), 60_000);
  afterAll(() => sc.kill());

  it.each([
    ['maxUsd', 1e9, 'DW_MAX_USD', 5],
    ['maxTokens', 1e12, 'DW_MAX_TOKENS', 2_000_000],
    ['maxAgents', 100_000, 'DW_MAX_AGENTS', 50],
    ['deadlineMs', 7 * 24 * 3_600_000, 'DW_DEADLINE_MS', 3_600_000],
    ['memoryMb', 4096, 'DW_MEMORY_MB', 64],
  ])('a request raising %s gets 400 limit_above_ceiling naming the ceiling', async (key, value, env, ceiling) => {
    const r = await sc.request<{ error: { code: string; message: string } }>('POST', '/v1/runs', {
      task: 't',
      script: 'return 1;',
      options: { limits: { [key]: value } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('limit_above_ceiling');
    expect(r.body.error.message).toContain(`limits.${key}`);
    expect(r.body.error.message).toContain(`ceiling of ${ceiling} (${env})`);
  });

  it('a request lowering a limit gets what it asked', async () => {
    const run = await start(sc, { task: 't', script: 'return budget.total;', options: { limits: { maxUsd: 0.5 } } });
    const done = await sc.waitForStatus(run.id, ['converged', 'failed']);
    expect(done.status).toBe('converged');
    expect(done.limits).toMatchObject({ maxUsd: 0.5, maxAgents: 50, memoryMb: 64 });
  });

  it('runs past DW_MAX_RUNS wait visibly in queued, then run', async () => {
    const first = await start(sc, { task: 'slow', script: "return await agent('hold [offline:sleep=1500]');" });
    await sc.waitForStatus(first.id, ['running']);
    const second = await start(sc, { task: 'next', script: 'return 2;' });
    await waitFor(
      async () => (await events(sc, second.id)).some((e) => /Waiting for a run slot/.test(e.event.message ?? '')),
      'the wait line',
    );
    expect((await sc.request<Run>('GET', `/v1/runs/${second.id}`)).body.status).toBe('queued');
    expect((await sc.waitForStatus(first.id, ['converged', 'failed'])).status).toBe('converged');
    expect((await sc.waitForStatus(second.id, ['converged', 'failed'])).result).toBe(2);
  });
});

describe('host-side floods are counted', () => {
  const sc = new SidecarProcess({ DW_MAX_EVENT_BYTES: '2000000', DW_MAX_EVENTS: '5000' }, undefined, { externalModel: true });
  beforeAll(async () => {
    await sc.start();
    await sc.warmUp();
  }, 60_000);
  afterAll(() => sc.close());

  it('a log() loop ends its run with event_budget; /healthz stays prompt; another run converges', async () => {
    const health = await watchHealth(sc.url, 50, { token: sc.token });
    const flood = await start(sc, { task: 'flood', script: "for (;;) log('x'.repeat(8000));" });
    const other = await start(sc, { task: 'other', script: "const a = await agent('fine'); return typeof a;" });
    const ended = await sc.waitForStatus(flood.id, ['failed', 'converged'], 60_000);
    const h = await health.stop();
    expect(ended.status).toBe('failed');
    expect((ended.error as { code: string }).code).toBe('event_budget');
    const stored = await events(sc, flood.id);
    const bytes = stored.reduce((n, e) => n + JSON.stringify(e.event).length, 0);
    expect(bytes).toBeLessThan(2_000_000 + 20_000);
    expect((await sc.waitForStatus(other.id, ['converged', 'failed'])).status).toBe('converged');
    expectPrompt(h);
  });

  it('so does a phase() loop: every event counts, not only log lines', async () => {
    const run = await start(sc, { task: 'events', script: "for (let i = 0; ; i++) { phase('p' + i); }" });
    const ended = await sc.waitForStatus(run.id, ['failed', 'converged'], 60_000);
    expect((ended.error as { code: string }).code).toBe('event_budget');
    expect((await events(sc, run.id)).length).toBeLessThanOrEqual(5000 + 5);
  });

  it('phase names, labels and log lines are cut to their caps', async () => {
    const big = "'y'.repeat(8 * 1024 * 1024)";
    const run = await start(sc, {
      task: 'caps',
      script: `const s = ${big}; phase(s); log(s); const a = await agent('capped', { label: s, phase: s }); return a === null ? 'null' : 'ok';`,
    });
    const done = await sc.waitForStatus(run.id, ['converged', 'failed']);
    expect(done.status).toBe('converged');
    expect(String(done.phase).length).toBeLessThanOrEqual(200);
    const stored = await events(sc, run.id);
    for (const e of stored) expect(JSON.stringify(e.event).length).toBeLessThan(20_000);
    const agents = await sc.request<{ agents: { label: string; phase: string }[] }>('GET', `/v1/runs/${run.id}/agents`);
    expect(agents.body.agents[0].label.length).toBeLessThanOrEqual(200);
    expect(agents.body.agents[0].phase.length).toBeLessThanOrEqual(200);
  });

  it('a prompt over the cap fails that agent with prompt_too_large; the script goes on', async () => {
    const run = await start(sc, { task: 'prompt', script: "const a = await agent('z'.repeat(1_000_001)); return a;" });
    const done = await sc.waitForStatus(run.id, ['converged', 'failed']);
    expect(done.status).toBe('converged');
    const agents = await sc.request<{ agents: { status: string; error: { code: string } | null }[] }>('GET', `/v1/runs/${run.id}/agents`);
    expect(agents.body.agents[0]).toMatchObject({ status: 'failed', error: { code: 'prompt_too_large' } });
  });
});

describe('across restarts', () => {
  it('an agent in flight at three crashes fails with agent_attempts instead of being dispatched a fourth time', async () => {
    const sc = new SidecarProcess({ DW_MAX_AGENT_ATTEMPTS: '3' });
    try {
      await sc.start();
      const run = await start(sc, {
        task: 'crashy',
        script: "const a = await agent('hold forever [offline:sleep=600000]'); return a === null ? 'gave up' : a;",
      });
      for (let crash = 1; crash <= 3; crash++) {
        await waitFor(async () => {
          const r = await sc.request<{ agents: { status: string; attempts: number }[] }>('GET', `/v1/runs/${run.id}/agents`);
          return r.body.agents?.[0]?.status === 'active' && r.body.agents[0].attempts === crash;
        }, `attempt ${crash}`);
        await sc.kill();
        await sc.start();
      }
      const done = await sc.waitForStatus(run.id, ['converged', 'failed']);
      expect(done).toMatchObject({ status: 'converged', result: 'gave up' });
      const agents = await sc.request<{ agents: { status: string; attempts: number; error: { code: string } }[] }>(
        'GET',
        `/v1/runs/${run.id}/agents`,
      );
      expect(agents.body.agents[0]).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'agent_attempts' } });
    } finally {
      await sc.kill();
    }
  }, 120_000);

  it('the deadline is fixed when the script starts and survives a restart', async () => {
    const sc = new SidecarProcess();
    try {
      await sc.start();
      const run = await start(sc, {
        task: 'late',
        script: "return await agent('hold [offline:sleep=600000]');",
        options: { limits: { deadlineMs: 4000 } },
      });
      const running = await sc.waitForStatus(run.id, ['running']);
      const deadlineAt = running.deadlineAt as string;
      expect(Date.parse(deadlineAt)).toBeGreaterThan(Date.now());
      await sc.kill();
      await sc.start();
      const restartedAt = Date.now();
      const done = await sc.waitForStatus(run.id, ['failed', 'converged'], 30_000);
      expect(done).toMatchObject({ status: 'failed', error: { code: 'deadline' }, deadlineAt });
      // Ended by the first deadline, not by a fresh 4 s one started on resume.
      const ended = Date.parse(String(done.updatedAt));
      expect(ended).toBeGreaterThanOrEqual(Date.parse(deadlineAt));
      expect(ended).toBeLessThan(restartedAt + 4000);
    } finally {
      await sc.kill();
    }
  }, 60_000);
});
