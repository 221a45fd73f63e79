import fs from 'node:fs';
import path from 'node:path';
import { useSidecarWithTestModel } from '../support/sidecar-process';

const CHILD = `export const meta = { name: 'fan', description: 'One agent per item' };
const r = await parallel(args.items.map((i) => () => agent('nested crash item ' + i, { label: 'item ' + i })));
return r.filter(Boolean).length;`;

const PARENT = `const answered = await workflow('fan', { items: Array.from({ length: 120 }, (_, i) => i) });
const summary = await agent('sum up ' + answered + ' answers', { label: 'summary' });
return { answered, summary: typeof summary };`;

/**
 * A parent whose saved child is in the middle of its fan-out when the sidecar is SIGKILLed: on
 * restart the parent replays, the child replays from the journal (its script as journaled, though
 * the saved file was edited meanwhile), and no completed agent of the child is asked again.
 */
describe('a workflow() child across a SIGKILL', () => {
  const env = useSidecarWithTestModel({ latencyMs: 40 });
  const { model } = env;

  test('the restarted run converges and its child pays only for the agents in flight at the kill', async () => {
    const { sidecar } = env;
    expect((await sidecar.request('POST', '/v1/workflows', { name: 'fan', script: CHILD })).status).toBe(201);
    const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', { task: 'nested crash', script: PARENT });
    expect(started.status).toBe(201);
    const id = started.body.id;

    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await sidecar.request<{ counts: { done: number } }>('GET', `/v1/runs/${id}`);
      if (r.body.counts.done >= 40) break;
      if (Date.now() > deadline) throw new Error('run made no progress');
      await new Promise((res) => setTimeout(res, 50));
    }
    const journaled = await sidecar.request<{ agents: { prompt: string }[] }>('GET', `/v1/runs/${id}/agents?status=done&limit=1000`);
    await sidecar.kill('SIGKILL');
    const completedBefore = journaled.body.agents.map((a) => a.prompt);
    expect(completedBefore.length).toBeLessThan(120);
    // Edited while the sidecar was down: the replay still runs the child the run started with.
    const file = path.join(sidecar.dataDir, 'workflows', 'fan.js');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('nested crash item', 'edited item'));

    await sidecar.start();
    const done = await sidecar.waitForStatus(id, ['converged', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'converged', result: { answered: 120, summary: 'string' } });

    const after = model.stats().byPrompt;
    for (const prompt of completedBefore) expect({ prompt, calls: after[prompt] }).toEqual({ prompt, calls: 1 });
    expect(Object.keys(after).filter((p) => p.startsWith('edited item'))).toEqual([]);
    expect(Object.keys(after)).toHaveLength(121);
    expect(Object.values(after).filter((n) => n > 1).length).toBeLessThanOrEqual(16);
  }, 180_000);
});
