import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import pg from 'pg';

/**
 * The Postgres the queue-mode suites use: 127.0.0.1:5432, user postgres, trust auth (the
 * machine and CI provide it). Each suite gets a database of its own, created and dropped here.
 */
export const POSTGRES_ADMIN_URL = process.env.DW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Whether Postgres is reachable, decided once per test process. scripts/test.js checks before Jest
 * starts and passes its verdict in DW_TEST_POSTGRES (`available` or `unavailable: <reason>`); a
 * test file run on its own asks a short-lived child process, since Jest collects tests synchronously.
 */
export function postgresStatus(): { available: true } | { available: false; reason: string } {
  const verdict = process.env.DW_TEST_POSTGRES ?? probe();
  process.env.DW_TEST_POSTGRES = verdict;
  if (verdict === 'available') return { available: true };
  const reason = verdict.replace(/^unavailable:\s*/, '');
  if (process.env.CI === 'true') throw new Error(`Postgres is required under CI=true and is not usable: ${reason}`);
  return { available: false, reason };
}

function probe(): string {
  const script = `const pg=require('pg');const c=new pg.Client({connectionString:${JSON.stringify(POSTGRES_ADMIN_URL)},connectionTimeoutMillis:3000});
c.connect().then(()=>c.query('SELECT 1')).then(()=>{console.log('available');return c.end()}).catch((e)=>{console.log('unavailable: '+(e.code||'')+' '+e.message);process.exit(0)})`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000, cwd: __dirname });
  return r.stdout.trim().split('\n').pop() || `unavailable: probe failed (${r.stderr.trim() || r.status})`;
}

/** A database of its own (`dw_test_<random>`), dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `dw_test_${crypto.randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
