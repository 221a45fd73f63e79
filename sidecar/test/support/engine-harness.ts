import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { loadConfig, type SidecarConfig } from '../../src/config/config';
import { Engine, type EngineDeps } from '../../src/engine/engine';
import type { RunRecord, RunSpec } from '../../src/core/types';
import { createOfflineModelServer } from '../../src/offline';
import { createProvider } from '../../src/providers';
import { IsolatedVmSandbox } from '../../src/sandbox';
import { openDatabase } from '../../src/store/db';
import { SqliteStore } from '../../src/store/sqlite-store';
import { SqliteCallbackStore } from '../../src/store/sqlite-callbacks';
import { VERIFICATION_PRELUDE } from '../../src/verification';

export type OfflineServer = ReturnType<typeof createOfflineModelServer>;

/** A real offline model server over HTTP, the real SDK provider, the real sandbox and store. */
export interface Harness {
  readonly engine: Engine;
  readonly model: OfflineServer;
  readonly modelUrl: string;
  readonly config: SidecarConfig;
  readonly db: DatabaseSync;
  readonly store: SqliteStore;
  /** The callbacks' store in the same database. */
  readonly callbackStore: SqliteCallbackStore;
  readonly dataDir: string;
  run(spec: RunSpec): Promise<RunRecord>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    env?: Record<string, string>;
    knobs?: Parameters<typeof createOfflineModelServer>[0];
    dataDir?: string;
    model?: { server: OfflineServer; url: string };
    deps?: Partial<EngineDeps>;
  } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dw-engine-'));
  let model = opts.model?.server;
  let modelUrl = opts.model?.url;
  if (!model || !modelUrl) {
    model = createOfflineModelServer(opts.knobs);
    modelUrl = (await model.listen(0, '127.0.0.1')).url;
  }
  const config = loadConfig({ DW_DEV: '1', DW_DATA_DIR: dataDir, DW_PROVIDER: 'offline', ...opts.env }, dataDir);
  const db = openDatabase(config.dataDir);
  const store = new SqliteStore(db);
  const provider = createProvider('offline', {}, { baseURL: modelUrl });
  const sandbox = new IsolatedVmSandbox({ preludeModules: [VERIFICATION_PRELUDE] });
  const engine = new Engine({ config, store, provider, sandbox, retry: { retries: 8, baseMs: 50, maxMs: 5000 }, ...opts.deps });
  const ownsModel = !opts.model;
  const m = model;
  return {
    engine,
    model: m,
    modelUrl,
    config,
    db,
    store,
    callbackStore: new SqliteCallbackStore(db),
    dataDir,
    async run(spec) {
      const started = await engine.start(spec);
      return engine.waitFor(started.id);
    },
    async close() {
      await engine.close();
      sandbox.dispose();
      db.close();
      if (ownsModel) await m.close();
    },
  };
}
