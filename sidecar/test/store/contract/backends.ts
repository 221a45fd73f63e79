import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../../src/store/db';
import { PostgresStore } from '../../../src/store/postgres/store';
import { SqliteStore } from '../../../src/store/sqlite-store';
import type { Store } from '../../../src/store/store';
import { createTestDatabase, postgresStatus } from '../../support/postgres';

/** One store implementation the contract runs against: `open` gives a fresh, empty store. */
export interface Backend {
  readonly name: string;
  /** Why the backend is skipped, or null. */
  readonly skip: string | null;
  setup(): Promise<void>;
  open(): Promise<Store>;
  teardown(): Promise<void>;
}

export function sqliteBackend(): Backend {
  let dir = '';
  let n = 0;
  return {
    name: 'sqlite',
    skip: null,
    setup: async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-contract-'));
    },
    open: async () => new SqliteStore(openDatabase(path.join(dir, String(++n)))),
    teardown: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Postgres: one database per suite; each `open` empties its tables first, so every test starts clean. */
export function postgresBackend(): Backend {
  const status = postgresStatus();
  let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  const opened: Store[] = [];
  return {
    name: 'postgres',
    skip: status.available ? null : status.reason,
    setup: async () => {
      db = await createTestDatabase();
    },
    open: async () => {
      // Emptied before the store opens: its event feed starts from the newest id it finds.
      const c = new pg.Client({ connectionString: db!.url });
      await c.connect();
      if ((await c.query("SELECT to_regclass('events') AS t")).rows[0].t)
        await c.query('TRUNCATE runs, agents, events, mcp_tools, child_scripts RESTART IDENTITY');
      await c.end();
      const store = await PostgresStore.open({ url: db!.url, poolSize: 4 });
      opened.push(store);
      return store;
    },
    teardown: async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
      await db?.drop();
    },
  };
}

export const BACKENDS: readonly Backend[] = [sqliteBackend(), postgresBackend()];
