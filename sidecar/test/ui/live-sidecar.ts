import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createCallbacks, createCore, type Core } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import type { RunRecord, RunSpec } from '../../src/core/types';
import { buildServer } from '../../src/http';
import { openDatabase } from '../../src/store/db';
import { attachLivePage } from '../../src/ui';
import { VERSION } from '../../src/version';

export const LIVE_TOKEN = 'ui-acceptance-token-0123456789';

/** The real sidecar in-process, wired as `dynamic-workflows serve` wires it (live page included), on 127.0.0.1:0. */
export interface LiveSidecar {
  readonly url: string;
  readonly core: Core;
  readonly app: FastifyInstance;
  /** POST /v1/runs with the bearer token. */
  start(spec: RunSpec): Promise<RunRecord>;
  get(id: string): Promise<RunRecord>;
  waitForStatus(id: string, statuses: readonly string[], ms?: number): Promise<RunRecord>;
  /** `POST /v1/messages` requests the embedded offline model has received so far. */
  modelRequests(): Promise<number>;
  setModelLatency(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLiveSidecar(env: Record<string, string> = {}): Promise<LiveSidecar> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-ui-'));
  const fullEnv = { DW_TOKEN: LIVE_TOKEN, DW_DATA_DIR: dataDir, DW_PROVIDER: 'offline', DW_LOG_LEVEL: 'silent', ...env };
  const config = loadConfig(fullEnv, dataDir);
  const logger = pino({ level: 'silent' });
  const db = openDatabase(config.dataDir);
  const core = await createCore(config, fullEnv, { logger, db });
  const callbacks = createCallbacks(core);
  const app = buildServer({ engine: core.engine, config, callbacks, logger, version: VERSION, ...attachLivePage(config) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  callbacks.start();
  const offline = core.offlineUrl;
  if (!offline) throw new Error('the offline model server did not start');

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${LIVE_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  return {
    url,
    core,
    app,
    start: (spec) => api<RunRecord>('POST', '/v1/runs', spec),
    get: (id) => api<RunRecord>('GET', `/v1/runs/${id}`),
    async waitForStatus(id, statuses, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const run = await api<RunRecord>('GET', `/v1/runs/${id}`);
        if (statuses.includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run ${id} is ${run.status}, not ${statuses.join('/')}: ${JSON.stringify(run.error)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async modelRequests() {
      const res = await fetch(`${offline}/_offline/stats`);
      return ((await res.json()) as { requests: number }).requests;
    },
    async setModelLatency(ms) {
      const res = await fetch(`${offline}/_offline/knobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: ms }),
      });
      if (!res.ok) throw new Error(`setting the offline latency failed: ${res.status}`);
    },
    async close() {
      await app.close();
      await callbacks.stop();
      await core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
