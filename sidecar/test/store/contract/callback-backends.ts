import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { CallbackStore } from '../../../src/core/callback-store';
import { openDatabase } from '../../../src/store/db';
import { PostgresCallbackStore } from '../../../src/store/postgres/callbacks';
import { PostgresStore } from '../../../src/store/postgres/store';
import { SqliteCallbackStore } from '../../../src/store/sqlite-callbacks';
import { SqliteStore } from '../../../src/store/sqlite-store';
import type { Store } from '../../../src/store/store';
import { createTestDatabase, postgresStatus } from '../../support/postgres';

/** One callback store implementation: `open` gives a fresh, empty store; `another` a second handle on the same data (another process). */
export interface CallbackBackend {
  readonly name: 'sqlite' | 'postgres';
  /** Why the backend is skipped, or null. */
  readonly skip: string | null;
  setup(): Promise<void>;
  open(): Promise<CallbackStore>;
  another(): Promise<CallbackStore>;
  /** The sidecar's store on the same data (runs, and prune). */
  store(): Promise<Store>;
  teardown(): Promise<void>;
}

export function sqliteCallbackBackend(): CallbackBackend {
  let dir = '';
  let n = 0;
  const dbs: DatabaseSync[] = [];
  const db = (folder: string): DatabaseSync => {
    const opened = openDatabase(folder);
    dbs.push(opened);
    return opened;
  };
  const on = (folder: string): CallbackStore => new SqliteCallbackStore(db(folder));
  return {
    name: 'sqlite',
    skip: null,
    setup: async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-callback-contract-'));
    },
    open: async () => on(path.join(dir, String(++n))),
    another: async () => on(path.join(dir, String(n))),
    store: async () => new SqliteStore(db(path.join(dir, String(n)))),
    teardown: async () => {
      for (const db of dbs.splice(0)) if (db.isOpen) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Postgres: one database per suite, each handle with a pool of its own; `open` empties the callback tables first. */
export function postgresCallbackBackend(): CallbackBackend {
  const status = postgresStatus();
  let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  const opened: CallbackStore[] = [];
  const handle = async () => {
    const store = await PostgresCallbackStore.open({ url: db!.url, poolSize: 4 });
    opened.push(store);
    return store;
  };
  return {
    name: 'postgres',
    skip: status.available ? null : status.reason,
    setup: async () => {
      db = await createTestDatabase();
    },
    open: async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
      const store = await handle();
      const c = new pg.Client({ connectionString: db!.url });
      await c.connect();
      await c.query(
        'TRUNCATE runs, events, agents, callback_deliveries, callback_registrations, callback_group_runs, callback_groups RESTART IDENTITY',
      );
      await c.end();
      return store;
    },
    another: handle,
    store: async () => {
      const store = await PostgresStore.open({ url: db!.url, poolSize: 2 });
      opened.push({ close: () => store.close() } as CallbackStore);
      return store;
    },
    teardown: async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
      await db?.drop();
    },
  };
}

export const CALLBACK_BACKENDS: readonly CallbackBackend[] = [sqliteCallbackBackend(), postgresCallbackBackend()];
