import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCallbackSignature } from '../../src/callbacks';
import { createOfflineModelServer } from '../../src/offline';
import { SidecarProcess } from '../support/sidecar-process';

/**
 * The real sidecar process over a real socket, with the model server in the test process so
 * it outlives sidecar restarts and can count what reaches it.
 */
describe('the sidecar service over HTTP', () => {
  const model = createOfflineModelServer({ latencyMs: 30 });
  let modelUrl = '';

  beforeAll(async () => {
    modelUrl = (await model.listen(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await model.close();
  });

  test('20 concurrent runs of 50 agents all converge, and agents in flight never exceed the sidecar-wide cap', async () => {
    const sidecar = new SidecarProcess({
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-test-not-a-real-key',
      ANTHROPIC_BASE_URL: modelUrl,
      DW_GLOBAL_MAX_PARALLEL: '24',
    });
    await sidecar.start();
    model.reset();
    try {
      const script = (n: number) =>
        `const r = await parallel(Array.from({ length: 50 }, (_, i) => () => agent('run ${n} item ' + i))); return r.filter(Boolean).length;`;
      const started = await Promise.all(
        Array.from({ length: 20 }, (_, n) => sidecar.request<{ id: string }>('POST', '/v1/runs', { task: `load ${n}`, script: script(n) })),
      );
      expect(started.every((s) => s.status === 201)).toBe(true);
      const done = await Promise.all(started.map((s) => sidecar.waitForStatus(s.body.id, ['converged', 'failed', 'cancelled'])));
      expect(done.map((d) => d.status)).toEqual(Array(20).fill('converged'));
      expect(done.map((d) => d.result)).toEqual(Array(20).fill(50));
      const stats = model.stats();
      expect(stats.ok).toBe(1000);
      expect(stats.maxInFlight).toBeLessThanOrEqual(24);
      expect(stats.maxInFlight).toBeGreaterThan(16); // more than one run's worth: the cap, not a single run, is what binds
    } finally {
      await sidecar.kill();
    }
  }, 180_000);

  test('a callback receiver that answers 409 three times, then 500, then is down while the sidecar restarts, gets the callback exactly once, signed', async () => {
    const sidecar = new SidecarProcess({
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-test-not-a-real-key',
      ANTHROPIC_BASE_URL: modelUrl,
      DW_CALLBACK_RETRY_BASE_MS: '200',
      DW_CALLBACK_RETRY_MAX_MS: '1000',
      DW_CALLBACK_HOSTS: '127.0.0.1',
    });
    await sidecar.start();
    const received: { status: number; body: string; timestamp?: string; signature?: string }[] = [];
    let answers = [409, 409, 409, 500];
    const handler: http.RequestListener = (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const status = answers.length ? answers.shift()! : 200;
        received.push({
          status,
          body,
          timestamp: req.headers['x-dw-timestamp'] as string,
          signature: req.headers['x-dw-signature'] as string,
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 409 ? JSON.stringify({ message: 'The execution "7" is running already.' }) : '{}');
      });
    };
    let receiver = http.createServer(handler);
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', {
        task: 'callback',
        script: `return await agent('answer once');`,
        callback: { url: `http://127.0.0.1:${port}/webhook-waiting/7?signature=n8n`, events: ['converged'] },
      });
      expect(started.status).toBe(201);
      await sidecar.waitForStatus(started.body.id, ['converged']);
      const deadline = Date.now() + 30_000;
      while (received.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received.map((r) => r.status)).toEqual([409, 409, 409, 500]);

      // Down, and the sidecar restarts while it is.
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
      await sidecar.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      await sidecar.start();
      await new Promise((r) => setTimeout(r, 1500));
      answers = [];
      receiver = http.createServer(handler);
      await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));

      const until = Date.now() + 30_000;
      while (!received.some((r) => r.status === 200) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 2000)); // nothing more may arrive
      const ok = received.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(received).toHaveLength(5);
      const body = JSON.parse(ok[0].body) as { runId: string; status: string };
      expect(body).toMatchObject({ runId: started.body.id, status: 'converged' });
      expect(verifyCallbackSignature(sidecar.token, ok[0].timestamp, '/webhook-waiting/7', ok[0].body, ok[0].signature)).toBe(true);
      expect(verifyCallbackSignature('another-secret-0123456789', ok[0].timestamp, '/webhook-waiting/7', ok[0].body, ok[0].signature)).toBe(
        false,
      );
    } finally {
      await sidecar.kill();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  }, 120_000);
});
