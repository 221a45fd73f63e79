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
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --no-node-snapshot`.trim() };
const jest = require.resolve('jest/bin/jest');
const r = spawnSync(process.execPath, ['--no-node-snapshot', jest, '--ci', ...args], { stdio: 'inherit', cwd: root, env });
process.exit(r.status ?? 1);
