import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createCallbacks } from '../../src/app';
import type { CallbackService } from '../../src/callbacks/service';
import { verifyCallbackSignature } from '../../src/callbacks/signature';
import type { RunRecord } from '../../src/core/types';
import { buildServer } from '../../src/http';
import { startHarness, type Harness } from '../support/engine-harness';
import { startReceiver, type Receiver } from './receiver';

const TOKEN = 'callback-security-token-0123456789';
const SCRIPT = 'return 42;';

/** The real engine (offline model over HTTP, isolated-vm, SQLite) behind the real HTTP API on a socket. */
interface Api {
  readonly h: Harness;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly port: number;
  readonly callbacks: CallbackService;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  waitForStatus(id: string, status: string): Promise<RunRecord>;
  close(): Promise<void>;
}

async function startApi(env: Record<string, string>): Promise<Api> {
  const h = await startHarness({
    env: { DW_DEV: '0', DW_TOKEN: TOKEN, DW_CALLBACK_RETRY_BASE_MS: '10', DW_CALLBACK_RETRY_MAX_MS: '50', ...env },
  });
  const logger = pino({ level: 'silent' });
  let app: FastifyInstance | null = null;
  const self = () => {
    const a = app?.server.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
  };
  const callbacks = createCallbacks({ config: h.config, callbackStore: h.callbackStore, engine: h.engine, logger }, { self });
  app = buildServer({ engine: h.engine, config: h.config, callbacks, logger, version: 'test' });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  await callbacks.start();
  const server = app;
  const call = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  return {
    h,
    app: server,
    url,
    callbacks,
    call,
    port: (server.server.address() as AddressInfo).port,
    waitForStatus: (id, status) => h.engine.waitFor(id, [status as RunRecord['status']]),
    async close() {
      await server.close();
      await callbacks.stop();
      await h.close();
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const callbackEvents = async (api: Api, runId: string) =>
  (await api.h.engine.events(runId, 0)).map((e) => e.event).filter((e) => e.type.startsWith('callback.'));

describe('callbacks go only where the operator allows (real API, real engine)', () => {
  let rx: Receiver;
  let api: Api | null = null;
  beforeEach(async () => {
    rx = await startReceiver(() => ({ status: 200 }));
  });
  afterEach(async () => {
    await api?.close();
    api = null;
    await rx.close();
  });

  it('with DW_CALLBACK_HOSTS unset, refuses loopback in every spelling, and POST /v1/runs starts no run', async () => {
    api = await startApi({});
    const port = new URL(rx.url).port;
    const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT });
    for (const url of [
      rx.url,
      `http://2130706433:${port}/x`,
      `http://0x7f000001:${port}/x`,
      `http://[::ffff:127.0.0.1]:${port}/x`,
      `http://localhost:${port}/x`,
      `${api.url}/v1/runs`,
    ]) {
      const res = await api.call<{ error: { code: string } }>('POST', `/v1/runs/${run.body.id}/callbacks`, { url });
      expect({ url, status: res.status, code: res.body.error.code }).toEqual({ url, status: 400, code: 'callback_host_not_allowed' });
    }
    const start = await api.call<{ error: { code: string } }>('POST', '/v1/runs', {
      task: 'nobody hears',
      script: SCRIPT,
      callback: { url: rx.url },
    });
    expect(start.status).toBe(400);
    expect(start.body.error.code).toBe('callback_host_not_allowed');
    const list = await api.call<{ runs: RunRecord[] }>('GET', '/v1/runs');
    expect(list.body.runs.map((r) => r.task)).toEqual(['t']);
    await api.waitForStatus(run.body.id, 'converged');
    expect(rx.requests).toEqual([]);
  });

  it('never calls the sidecar itself, even with loopback allowed', async () => {
    api = await startApi({ DW_CALLBACK_HOSTS: '127.0.0.1,localhost' });
    const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT });
    for (const url of [`http://127.0.0.1:${api.port}/v1/runs`, `http://localhost:${api.port}/healthz`, `http://2130706433:${api.port}/`]) {
      const res = await api.call<{ error: { code: string; message: string } }>('POST', `/v1/runs/${run.body.id}/callbacks`, { url });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'callback_host_not_allowed', message: expect.stringContaining('the sidecar itself') });
    }
  });

  it('delivers to an allowed host, signed over timestamp, URL path and body', async () => {
    api = await startApi({ DW_CALLBACK_HOSTS: '127.0.0.1' });
    const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT, callback: { url: rx.url } });
    expect(run.status).toBe(201);
    await until(() => rx.requests.length === 1);
    const [req] = rx.requests;
    expect(JSON.parse(req!.body)).toMatchObject({ runId: run.body.id, status: 'converged', result: 42 });
    const ts = req!.headers['x-dw-timestamp'] as string;
    const sig = req!.headers['x-dw-signature'] as string;
    expect(verifyCallbackSignature(TOKEN, ts, '/webhook-waiting/42', req!.body, sig)).toBe(true);
    expect(verifyCallbackSignature(TOKEN, ts, '/webhook-waiting/43', req!.body, sig)).toBe(false);
    await until(async () => (await callbackEvents(api!, run.body.id)).length === 1);
    expect(await callbackEvents(api, run.body.id)).toEqual([
      { type: 'callback.delivered', url: rx.url.split('?')[0], status: 'converged', httpStatus: 200 },
    ]);
  });

  it("copies no byte of the receiver's answer into the run's events, only its status code", async () => {
    const leaky = await startReceiver(() => ({ status: 403, body: 'INTERNAL-SECRET root:x:0:0' }));
    try {
      api = await startApi({ DW_CALLBACK_HOSTS: '127.0.0.1' });
      const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT, callback: { url: leaky.url } });
      await until(async () => (await callbackEvents(api!, run.body.id)).length === 1);
      expect(await callbackEvents(api, run.body.id)).toEqual([
        { type: 'callback.failed', url: leaky.url.split('?')[0], status: 'converged', reason: 'HTTP 403' },
      ]);
      const stored = JSON.stringify(await api.h.engine.events(run.body.id, 0));
      expect(stored).not.toContain('INTERNAL-SECRET');
      expect(JSON.stringify(await api.callbacks.deliveries(run.body.id))).not.toContain('INTERNAL-SECRET');
    } finally {
      await leaky.close();
    }
  });

  it('takes at most 5 callback URLs per run (409 callback_limit); the same URL again only changes its events', async () => {
    api = await startApi({ DW_CALLBACK_HOSTS: '127.0.0.1' });
    const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT, options: { approvePlan: true } });
    const at = (n: number) => `${rx.url.split('?')[0]}/${n}`;
    for (let n = 0; n < 5; n++) expect((await api.call('POST', `/v1/runs/${run.body.id}/callbacks`, { url: at(n) })).status).toBe(201);
    const sixth = await api.call<{ error: { code: string } }>('POST', `/v1/runs/${run.body.id}/callbacks`, { url: at(5) });
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.code).toBe('callback_limit');
    expect((await api.call('POST', `/v1/runs/${run.body.id}/callbacks`, { url: at(0), events: ['failed'] })).status).toBe(201);
    expect(await api.callbacks.registrations(run.body.id)).toHaveLength(5);
  });

  it('registering on a run that has already converged delivers at once', async () => {
    api = await startApi({ DW_CALLBACK_HOSTS: '127.0.0.1' });
    const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT });
    await api.waitForStatus(run.body.id, 'converged');
    expect((await api.call('POST', `/v1/runs/${run.body.id}/callbacks`, { url: rx.url })).status).toBe(201);
    await until(() => rx.requests.length === 1);
    expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({ runId: run.body.id, status: 'converged', result: 42 });
  });

  it('a run that converged while callbacks were down gets its callback when they start again', async () => {
    api = await startApi({ DW_CALLBACK_HOSTS: '127.0.0.1' });
    const run = await api.call<RunRecord>('POST', '/v1/runs', { task: 't', script: SCRIPT, options: { approvePlan: true } });
    await api.waitForStatus(run.body.id, 'awaiting_approval');
    expect((await api.call('POST', `/v1/runs/${run.body.id}/callbacks`, { url: rx.url, events: ['converged'] })).status).toBe(201);
    await api.callbacks.stop();
    expect((await api.call('POST', `/v1/runs/${run.body.id}/approve`, { approved: true })).status).toBe(200);
    await api.waitForStatus(run.body.id, 'converged');
    expect(rx.requests).toEqual([]);

    const next = createCallbacks({
      config: api.h.config,
      callbackStore: api.h.callbackStore,

      engine: api.h.engine,
      logger: pino({ level: 'silent' }),
    });
    await next.start();
    try {
      await until(() => rx.requests.length === 1);
      expect(JSON.parse(rx.requests[0]!.body)).toMatchObject({ runId: run.body.id, status: 'converged' });
    } finally {
      await next.stop();
    }
  });
});
