import type { DatabaseSync } from 'node:sqlite';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { CallbackHosts } from '../../src/callbacks/hosts';
import { CallbackService } from '../../src/callbacks/service';
import type { CallbackServiceOptions } from '../../src/callbacks/types';
import { loadConfig, type SidecarConfig } from '../../src/config/config';
import { buildServer, type BuildServerDeps } from '../../src/http/server';
import { SidecarMetrics } from '../../src/http/metrics';
import type { RunEvent } from '../../src/core/types';
import { FakeEngine } from './fake-engine';
import { SqliteCallbackStore } from '../../src/store/sqlite-callbacks';
import { openDatabase } from '../../src/store/db';

export const TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export function testConfig(env: Record<string, string> = {}): SidecarConfig {
  return loadConfig({ DW_TOKEN: TOKEN, DW_DATA_DIR: '/tmp/dw-http-test', ...env }, '/tmp');
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly engine: FakeEngine;
  readonly callbacks: CallbackService;
  readonly db: DatabaseSync;
  readonly metrics: SidecarMetrics;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly config?: SidecarConfig;
  readonly logger?: Logger;
  readonly callbacks?: Partial<CallbackServiceOptions>;
  readonly server?: Partial<Omit<BuildServerDeps, 'engine' | 'config' | 'callbacks' | 'version'>>;
}

export function makeHarness(opts: HarnessOptions = {}): Harness {
  const engine = new FakeEngine();
  const db = openDatabase(':memory:');
  const config = opts.config ?? testConfig();
  // The receivers of these tests listen on loopback: allowed unless the test's config says otherwise.
  const hosts = new CallbackHosts(config.callbackHosts.length ? config.callbackHosts : ['127.0.0.1']);
  const runs = {
    subscribe: engine.subscribeService.bind(engine),
    getRun: async (id: string) => engine.runs.get(id) ?? null,
    record: (id: string, e: RunEvent) => void engine.emit(id, e),
  };
  const callbacks = new CallbackService({
    store: new SqliteCallbackStore(db),
    runs,
    hosts,
    secret: config.callbackSecret,
    retry: { baseMs: 5, maxMs: 20, maxAttempts: 5 },
    ...opts.callbacks,
  });
  void callbacks.start();
  const metrics = new SidecarMetrics({ processMetrics: false });
  const app = buildServer({
    engine,
    config,
    callbacks,
    logger: opts.logger ?? pino({ level: 'silent' }),
    version: '9.9.9-test',
    metrics,
    ...opts.server,
  });
  return {
    app,
    engine,
    callbacks,
    db,
    metrics,
    async close() {
      await app.close();
      await callbacks.stop();
      db.close();
      engine.dispose();
    },
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
