#!/usr/bin/env node
'use strict';
// isolated-vm needs Node started with --no-node-snapshot; re-launch once with it when missing.
const path = require('node:path');
const { spawn } = require('node:child_process');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `dynamic-workflows needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx dynamic-workflows) so the project's Node 24 is used.`,
  );
  process.exit(1);
}
if (process.execArgv.includes('--no-node-snapshot') || (process.env.NODE_OPTIONS || '').includes('--no-node-snapshot')) {
  require(main);
} else {
  const child = spawn(process.execPath, ['--no-node-snapshot', main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
