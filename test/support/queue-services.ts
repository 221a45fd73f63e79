import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { N8nQueueOptions } from '../../scripts/lib';
import { describeE2e } from './e2e';

// The machine's Postgres and Redis, which n8n's queue mode needs (as the sidecar's queue-mode
// suites use them): 127.0.0.1:5432 user postgres with trust auth, 127.0.0.1:6379.
const POSTGRES_ADMIN_URL = process.env.DW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.DW_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * Whether Postgres and Redis answer. scripts/test.js asks before Jest starts and passes its
 * verdicts in DW_TEST_POSTGRES and DW_TEST_REDIS; a file run on its own asks
 * scripts/probe-services.js (Jest collects tests synchronously, so a child process does it).
 */
function servicesVerdict(): { postgres: string; redis: string } {
  const given = { postgres: process.env.DW_TEST_POSTGRES, redis: process.env.DW_TEST_REDIS };
  if (given.postgres && given.redis) return { postgres: given.postgres, redis: given.redis };
  const probe = path.join(__dirname, '..', '..', 'scripts', 'probe-services.js');
  const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 15_000 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { postgres: string; redis: string };
  } catch {
    const why = `unavailable: probe failed (${r.stderr.trim() || String(r.status ?? r.signal)})`;
    return { postgres: why, redis: why };
  }
}

/**
 * describeE2e for suites that run n8n in queue mode. Without Postgres or Redis the suite is
 * skipped with a line saying why; under CI=true that is a failure instead (CI provides both).
 */
export function describeQueueModeE2e(name: string, fn: () => void): void {
  if (process.env.DW_SKIP_E2E === '1') return describeE2e(name, fn);
  const verdict = servicesVerdict();
  const missing = (['postgres', 'redis'] as const).filter((k) => verdict[k] !== 'available').map((k) => `${k} ${verdict[k]}`);
  if (missing.length === 0) return describeE2e(name, fn);
  const why = `n8n's queue mode needs Postgres and Redis: ${missing.join('; ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('needs Postgres and Redis (CI=true: missing services are a failure, not a skip)', () => {
        throw new Error(why);
      });
    });
    return;
  }
  process.stderr.write(`\n[skipped] "${name}": ${why}\n`);
  describe.skip(name, fn);
}

/** A database and a Redis key prefix of one n8n in queue mode, removed by `cleanup()`. */
export interface QueueSpace {
  /** For startN8n's `queue` option (one worker unless `workers` is added). */
  readonly queue: N8nQueueOptions;
  /**
   * The sidecar in queue mode on the same Postgres and Redis: a database of its own beside n8n's
   * (n8n's schema has a table named `agents`) and a key prefix under n8n's.
   */
  readonly sidecarEnv: Readonly<Record<string, string>>;
  /** Drops the database (ending its connections) and deletes every Redis key under the prefix. */
  cleanup(): Promise<void>;
}

/**
 * A Postgres database `dw_n8nq_<random>` and a Redis key prefix `dw-n8nq-<random>` of their
 * own, so runs side by side (and leftovers of a killed run) do not meet.
 */
export async function createQueueSpace(): Promise<QueueSpace> {
  const id = crypto.randomBytes(6).toString('hex');
  const database = `dw_n8nq_${id}`;
  const sidecarDatabase = `${database}_dw`;
  const prefix = `dw-n8nq-${id}`;
  const pgUrl = new URL(POSTGRES_ADMIN_URL);
  const redisUrl = new URL(REDIS_URL);
  await postgresAdmin(`CREATE DATABASE ${database}`);
  await postgresAdmin(`CREATE DATABASE ${sidecarDatabase}`);
  const sidecarUrl = new URL(POSTGRES_ADMIN_URL);
  sidecarUrl.pathname = `/${sidecarDatabase}`;
  return {
    sidecarEnv: { DW_DATABASE_URL: sidecarUrl.toString(), DW_REDIS_URL: REDIS_URL, DW_REDIS_PREFIX: `${prefix}:dw:` },
    queue: {
      postgres: {
        host: pgUrl.hostname,
        port: Number(pgUrl.port || 5432),
        user: decodeURIComponent(pgUrl.username || 'postgres'),
        password: decodeURIComponent(pgUrl.password),
        database,
      },
      redis: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), db: Number(redisUrl.pathname.slice(1) || 0), prefix },
      encryptionKey: crypto.randomBytes(24).toString('hex'),
    },
    async cleanup() {
      const results = await Promise.allSettled([
        postgresAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
        postgresAdmin(`DROP DATABASE IF EXISTS ${sidecarDatabase} WITH (FORCE)`),
        deleteRedisKeys(`${prefix}:*`),
      ]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

async function postgresAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Deletes the keys matching `pattern`; returns how many there were. */
export async function deleteRedisKeys(pattern: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  await redis.connect();
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
