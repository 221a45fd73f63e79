import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AUTH, makeHarness, type Harness } from './harness';

describe('buildServer over a real socket', () => {
  let h: Harness;
  let base: string;
  beforeEach(async () => {
    const livePage = async (app: FastifyInstance) => {
      app.get('/', { config: { public: true } }, async (_req, reply) => reply.type('text/html').send('<h1>live</h1>'));
      app.get('/page/data', async () => ({ secret: 'only with credentials' }));
    };
    h = makeHarness({ server: { plugins: [livePage] } });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterEach(() => h.close());

  it('starts a run, reads it back, lists it and downloads its script', async () => {
    const started = await fetch(`${base}/v1/runs`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'count to three', script: 'return [1, 2, 3];', input: { n: 3 } }),
    });
    expect(started.status).toBe(201);
    const run = (await started.json()) as { id: string; status: string };
    expect(run.status).toBe('running');
    const got = await fetch(`${base}/v1/runs/${run.id}`, { headers: AUTH });
    expect(await got.json()).toMatchObject({ id: run.id, task: 'count to three', input: { n: 3 } });
    const list = await fetch(`${base}/v1/runs`, { headers: AUTH });
    expect(((await list.json()) as { runs: Array<{ id: string }> }).runs.map((r) => r.id)).toEqual([run.id]);
    const script = await fetch(`${base}/v1/runs/${run.id}/script`, { headers: AUTH });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('return [1, 2, 3];');
  });

  it('answers HEAD /healthz for load-balancer probes', async () => {
    const res = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });

  it('registers plugins (the live page hook) behind the same authentication unless they opt out', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<h1>live</h1>');
    expect((await fetch(`${base}/page/data`)).status).toBe(401);
    expect((await fetch(`${base}/page/data`, { headers: AUTH })).status).toBe(200);
  });

  it('answers routes with a trailing slash like without', async () => {
    const res = await fetch(`${base}/v1/runs/`, { headers: AUTH });
    expect(res.status).toBe(200);
  });
});
