import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, retentionDays } from '../config/config';
import { toErrorInfo, ValidationError } from '../errors/errors';
import { leftoverCopies } from '../engine/isolation';
import { Isolation } from '../isolation';
import { openDatabase } from '../store/db';
import { pruneRuns, type PruneResult } from '../store/retention';
import { SqliteStore } from '../store/sqlite-store';
import { PostgresStore } from '../store/postgres/store';
import { maskDatabaseUrl } from '../core/database-url';

export interface PruneCommandOptions {
  /** Overrides DW_RETENTION_DAYS. */
  readonly days?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `dynamic-workflows prune [--days N]`: deletes finished runs older than N days (else
 * DW_RETENTION_DAYS) with their events, journal and callbacks from DW_DATA_DIR; unfinished
 * runs are kept. Then removes the workspace copies of isolated agents that no remaining run
 * keeps (`isolationCopies`; the branches of kept worktrees stay in their repositories).
 * Prints what it deleted as JSON on stdout; exit 0, or 2 on a usage error.
 * Safe while `serve` runs on the same folder (SQLite WAL; each batch is one transaction).
 * With DW_DATABASE_URL it prunes that Postgres database instead.
 */
export async function pruneCommand(
  opts: PruneCommandOptions,
  env: Env = process.env,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let days: number | null;
  let dataDir: string;
  let databaseUrl: string | null;
  try {
    // Pruning serves no HTTP: the token rules of `serve` do not apply.
    ({ dataDir, databaseUrl } = loadConfig({ ...env, DW_DEV: '1', DW_HOST: '127.0.0.1' }));
    days = opts.days !== undefined ? daysOption(opts.days) : retentionDays(env.DW_RETENTION_DAYS);
  } catch (e) {
    const info = toErrorInfo(e);
    err.write(`${info.code}: ${info.message}\n`);
    return 2;
  }
  if (days === null) {
    err.write('Nothing to do: give --days N or set DW_RETENTION_DAYS (runs are kept forever otherwise)\n');
    return 2;
  }
  if (databaseUrl !== null) return prunePostgres(databaseUrl, days, out, err);
  const file = path.join(dataDir, 'sidecar.db');
  let result: PruneResult = { runs: 0, events: 0, agents: 0, callbackDeliveries: 0, callbackRegistrations: 0, callbackGroups: 0 };
  let isolationCopies = 0;
  if (fs.existsSync(file)) {
    const db = openDatabase(dataDir);
    try {
      result = pruneRuns(db, { days });
      const isolation = new Isolation({ root: path.join(dataDir, 'isolation') });
      isolationCopies = await isolation.sweep(leftoverCopies(new SqliteStore(db)));
    } finally {
      db.close();
    }
  }
  out.write(`${JSON.stringify({ days, dataDir, deleted: { ...result, isolationCopies } })}\n`);
  return 0;
}

/** The same prune on the Postgres store (the workspace copies of isolated agents are each host's own: `serve` sweeps them). */
async function prunePostgres(url: string, days: number, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let store: PostgresStore;
  try {
    store = await PostgresStore.open({ url });
  } catch (e) {
    const info = toErrorInfo(e);
    err.write(`${info.code}: ${info.message}\n`);
    return 1;
  }
  try {
    const result = await store.prune({ days });
    out.write(`${JSON.stringify({ days, database: maskDatabaseUrl(url), deleted: result })}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function daysOption(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new ValidationError(`Expected \`--days\` to be a number of days > 0, got ${JSON.stringify(raw)}`);
  return n;
}
