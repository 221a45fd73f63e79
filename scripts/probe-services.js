#!/usr/bin/env node
'use strict';
// Prints one JSON line: whether the services of the queue-mode suites answer, e.g.
// {"postgres":"available","redis":"unavailable: connect ECONNREFUSED 127.0.0.1:6379"}.
// Postgres is asked for `SELECT 1` (a port that accepts is not enough); Redis for PING.
const net = require('node:net');

const PG_URL = process.env.DW_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = { host: '127.0.0.1', port: 6379 };
const TIMEOUT_MS = 3000;

async function postgres() {
  let pg;
  try {
    pg = require('pg');
  } catch {
    return 'unavailable: the pg package is not installed';
  }
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return 'available';
  } catch (e) {
    return `unavailable: ${e.code ? e.code + ' ' : ''}${e.message} (${new URL(PG_URL).host})`;
  } finally {
    await c.end().catch(() => {});
  }
}

function redis() {
  return new Promise((resolve) => {
    const s = net.connect(REDIS);
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(TIMEOUT_MS, () => done(`unavailable: no answer within ${TIMEOUT_MS} ms (${REDIS.host}:${REDIS.port})`));
    s.once('error', (e) => done(`unavailable: ${e.message}`));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) =>
      done(d.toString().startsWith('+PONG') ? 'available' : `unavailable: answered ${JSON.stringify(d.toString().trim())}`),
    );
  });
}

Promise.all([postgres(), redis()]).then(([p, r]) => console.log(JSON.stringify({ postgres: p, redis: r })));
