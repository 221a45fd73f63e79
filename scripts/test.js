#!/usr/bin/env node
'use strict';
// `npm test`: makes sure the real components the integration tests need are present
// (n8n 2.41.1 in a cache folder, Debian's Chromium), then runs Jest under Node 24.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const skipE2e = process.env.DW_SKIP_E2E === '1';

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  return r;
}

run(process.execPath, [path.join(__dirname, 'vocabulary.js')]);
// The sidecar's layers (docs/architecture.md): no upward import, no cycle.
run(process.execPath, [
  path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
  '--config',
  '.dependency-cruiser.cjs',
  '--output-type',
  'err',
  'sidecar/src',
]);
if (!skipE2e) {
  run('bash', [path.join(__dirname, 'ensure-n8n.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  run('bash', [path.join(__dirname, 'ensure-chromium.sh')]);
}
// The queue-mode suites use the machine's Postgres (127.0.0.1:5432) and Redis (127.0.0.1:6379).
// Without them those suites are skipped, and this line says which and why; under CI=true a
// missing service fails the run instead. The test files read the verdicts from the environment.
const QUEUE_SUITES = {
  postgres:
    'Postgres store contract, migrations and cross-process events (sidecar/test/store), n8n in queue mode (test/e2e/n8n-queue-mode)',
  redis:
    'cluster-wide provider budget, run queue and control bus (sidecar/test/cluster, sidecar/test/engine/cluster-budget, sidecar/test/integration/cluster-budget), n8n in queue mode (test/e2e/n8n-queue-mode)',
};
const probed = spawnSync(process.execPath, [path.join(__dirname, 'probe-services.js')], { cwd: root, encoding: 'utf8', timeout: 15_000 });
let services;
try {
  services = JSON.parse(probed.stdout.trim().split('\n').pop());
} catch {
  services = { postgres: `unavailable: probe failed (${probed.stderr.trim() || probed.status})`, redis: 'unavailable: probe failed' };
}
const missing = Object.keys(services).filter((k) => services[k] !== 'available');
if (missing.length === 0) console.log(`queue-mode suites: Postgres and Redis available, none skipped`);
else
  console.log(
    `queue-mode suites skipped: ${missing.map((k) => `${QUEUE_SUITES[k]} — ${k} ${services[k]}`).join('; ')}` +
      (process.env.CI === 'true' ? ' (CI=true: this fails the run)' : ''),
  );
if (missing.length > 0 && process.env.CI === 'true') process.exit(1);
const env = {
  ...process.env,
  DW_TEST_POSTGRES: services.postgres,
  DW_TEST_REDIS: services.redis,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --no-node-snapshot`.trim(),
};
const jest = require.resolve('jest/bin/jest');
const jestRun = (jestArgs) =>
  spawnSync(process.execPath, ['--no-node-snapshot', jest, '--ci', ...jestArgs], { stdio: 'inherit', cwd: root, env }).status ?? 1;

// The attack suites assert that the sidecar's event loop is never held past 100 ms. On a
// 2-core machine the other test files (n8n, Chromium, two Jest workers) would be measured along
// with the attack, so a full run gives them the machine to themselves, after the rest.
const QUIET_SUITES = ['sidecar/test/security/tool-attacks.test.ts', 'sidecar/test/security/limits-and-floods.test.ts'];
if (args.length > 0) process.exit(jestRun(args));
const escape = (p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const rest = jestRun(['--testPathIgnorePatterns', '/node_modules/', ...QUIET_SUITES.map(escape)]);
const quiet = jestRun(['--runInBand', ...QUIET_SUITES.map(escape)]);
process.exit(rest || quiet);
