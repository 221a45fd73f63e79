import { createOfflineModelServer } from '../../src/offline';
import { SidecarProcess, useSidecarWithTestModel } from '../support/sidecar-process';

/**
 * The model server lives in the test process, so it outlives the sidecar it serves and can
 * count every call; the sidecar reaches it as an Anthropic-compatible ANTHROPIC_BASE_URL.
 */
describe('durable execution across a SIGKILL', () => {
  const env = useSidecarWithTestModel({ latencyMs: 40 });
  const { model } = env;

  test('a 300-agent run killed mid-way completes after restart with the same result and no second call for any completed agent', async () => {
    const { sidecar } = env;
    const script = `
      phase('fan-out');
      const r = await parallel(Array.from({ length: 300 }, (_, i) => () => agent('crash item ' + i, { label: 'item ' + i })));
      phase('summary');
      return { answered: r.filter(Boolean).length, first: r[0], last: r[299] };`;
    const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', { task: 'crash test', script });
    expect(started.status).toBe(201);
    const id = started.body.id;

    // Kill once a good share of the agents completed.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await sidecar.request<{ counts: { done: number } }>('GET', `/v1/runs/${id}`);
      if (r.body.counts.done >= 100) break;
      if (Date.now() > deadline) throw new Error('run made no progress');
      await new Promise((res) => setTimeout(res, 50));
    }
    const journaled = await sidecar.request<{ agents: { prompt: string }[] }>('GET', `/v1/runs/${id}/agents?status=done&limit=1000`);
    await sidecar.kill('SIGKILL');
    const completedBefore = journaled.body.agents.map((a) => a.prompt);
    expect(completedBefore.length).toBeGreaterThanOrEqual(100);
    expect(completedBefore.length).toBeLessThan(300);

    await sidecar.start();
    const done = await sidecar.waitForStatus(id, ['converged', 'failed', 'cancelled']);
    expect(done.status).toBe('converged');
    expect(done.result).toMatchObject({ answered: 300 });

    // Same result as an uninterrupted run of the same script.
    const fresh = createOfflineModelServer({});
    const { url } = await fresh.listen(0, '127.0.0.1');
    const control = new SidecarProcess({ DW_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'sk-test-not-a-real-key', ANTHROPIC_BASE_URL: url });
    await control.start();
    try {
      const c = await control.request<{ id: string }>('POST', '/v1/runs', { task: 'crash test', script });
      const controlDone = await control.waitForStatus(c.body.id, ['converged', 'failed']);
      expect(done.result).toEqual(controlDone.result);
    } finally {
      await control.kill();
      await fresh.close();
    }

    const after = model.stats().byPrompt;
    // Journaled as completed before the kill → never asked again; only calls in flight at the kill are paid twice.
    for (const prompt of completedBefore) expect({ prompt, calls: after[prompt] }).toEqual({ prompt, calls: 1 });
    expect(Object.keys(after)).toHaveLength(300);
    const repaid = Object.values(after).filter((n) => n > 1).length;
    expect(repaid).toBeLessThanOrEqual(16);
  }, 180_000);
});
