import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCallbackSignature } from '../../src/callbacks';
import { createOfflineModelServer } from '../../src/offline';
import { SidecarProcess } from '../support/sidecar-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received {
  readonly status: number;
  readonly body: string;
  readonly timestamp: string;
  readonly signature: string;
}

/** A stand-in for n8n's resume URL that answers from a list, then 200. */
async function startReceiver(answers: number[], port = 0) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const status = answers.length ? answers.shift()! : 200;
      received.push({ status, body, timestamp: String(req.headers['x-dw-timestamp']), signature: String(req.headers['x-dw-signature']) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 409 ? JSON.stringify({ message: 'The execution "9" is running already.' }) : '{}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    received,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The real sidecar process over a real socket: a group's one callback survives SIGKILLs of the
 * sidecar, both while the group is open and while its delivery is being retried, and is
 * delivered exactly once.
 */
describe('callback groups over HTTP, across sidecar restarts', () => {
  const model = createOfflineModelServer({ latencyMs: 20 });
  let modelUrl = '';
  beforeAll(async () => {
    modelUrl = (await model.listen(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await model.close();
  });

  test('a group registered before a SIGKILL is delivered once, signed, with every run, after its runs end on the next start', async () => {
    const sidecar = new SidecarProcess({
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-test-not-a-real-key',
      ANTHROPIC_BASE_URL: modelUrl,
      DW_CALLBACK_RETRY_BASE_MS: '200',
      DW_CALLBACK_RETRY_MAX_MS: '1000',
      DW_CALLBACK_HOSTS: '127.0.0.1',
    });
    await sidecar.start();
    let rx = await startReceiver([409, 409, 500]);
    const port = rx.port;
    try {
      // Held at the plan gate until the test approves them.
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', {
          task: `group member ${i}`,
          script: `return await agent('member ${i}');`,
          options: { approvePlan: true },
        });
        expect(started.status).toBe(201);
        ids.push(started.body.id);
      }
      for (const id of ids) await sidecar.waitForStatus(id, ['awaiting_approval']);
      const url = `http://127.0.0.1:${port}/webhook-waiting/9?signature=n8n`;
      const reg = await sidecar.request<{ id: string; state: string }>('POST', '/v1/callbacks', { runIds: ids, url });
      expect(reg.status).toBe(201);
      expect(reg.body.state).toBe('open');

      // Down while the group is open: nothing is lost.
      await sidecar.kill('SIGKILL');
      await sidecar.start();
      expect((await sidecar.request<{ state: string }>('GET', `/v1/callbacks/${reg.body.id}`)).body.state).toBe('open');

      await sidecar.request('POST', `/v1/runs/${ids[0]}/approve`, { approved: true });
      await sidecar.request('POST', `/v1/runs/${ids[1]}/approve`, { approved: true });
      await sidecar.waitForStatus(ids[0]!, ['converged']);
      await sidecar.waitForStatus(ids[1]!, ['converged']);
      await sleep(300);
      expect(rx.received).toEqual([]);
      await sidecar.request('POST', `/v1/runs/${ids[2]}/cancel`, {});
      await sidecar.waitForStatus(ids[2]!, ['cancelled']);

      // n8n not waiting yet (409 twice), then a 500: the delivery is being retried when the sidecar dies again,
      // and the receiver is down while it restarts.
      const deadline = Date.now() + 30_000;
      while (rx.received.length < 3 && Date.now() < deadline) await sleep(20);
      expect(rx.received.map((r) => r.status)).toEqual([409, 409, 500]);
      await rx.close();
      await sidecar.kill('SIGKILL');
      await sidecar.start();
      await sleep(1_000);
      const before = rx.received;
      rx = await startReceiver([], port);

      const until = Date.now() + 30_000;
      while (rx.received.length === 0 && Date.now() < until) await sleep(50);
      // Once more across a restart after the delivery: nothing is sent again.
      await sleep(500);
      await sidecar.kill('SIGKILL');
      await sidecar.start();
      await sleep(2_000);

      expect(rx.received.map((r) => r.status)).toEqual([200]);
      const ok = rx.received[0]!;
      expect(ok.body).toBe(before[0]!.body);
      expect(verifyCallbackSignature(sidecar.token, ok.timestamp, '/webhook-waiting/9', ok.body, ok.signature)).toBe(true);
      const body = JSON.parse(ok.body) as {
        groupId: string;
        runIds: string[];
        runs: Array<{ runId: string; status: string; ended: boolean; result?: unknown }>;
      };
      expect(body.groupId).toBe(reg.body.id);
      expect(body.runIds).toEqual(ids);
      expect(body.runs.map((r) => [r.runId, r.status, r.ended])).toEqual([
        [ids[0], 'converged', true],
        [ids[1], 'converged', true],
        [ids[2], 'cancelled', true],
      ]);
      expect(body.runs[0]!.result).toEqual(expect.any(String));
      const group = await sidecar.request<{ state: string; attempts: number }>('GET', `/v1/callbacks/${reg.body.id}`);
      expect(group.body.state).toBe('delivered');
      // 409, 409, 500, any refused while the receiver was down, and the 200.
      expect(group.body.attempts).toBeGreaterThanOrEqual(4);
    } finally {
      await sidecar.kill();
      await rx.close();
    }
  }, 180_000);
});
