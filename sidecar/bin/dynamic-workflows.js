#!/usr/bin/env node
'use strict';
// The sidecar needs Node flags (node-flags.js: --no-node-snapshot for isolated-vm, a smaller young
// generation). When one is missing this launcher replaces itself (process.execve: the same pid, so
// a signal to it, SIGKILL included, reaches the server and nothing is left behind). Where execve
// is not available (Windows) it starts a child that exits when this process goes away (its IPC
// channel closes), signals forwarded.
const path = require('node:path');
const { spawn } = require('node:child_process');
const { missingFlags } = require('./node-flags');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
/** Set by the fallback below in its child's environment: watch the launcher through the IPC channel. */
const WATCH = 'DYNAMIC_WORKFLOWS_LAUNCHER_WATCH';
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `dynamic-workflows needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx dynamic-workflows) so the project's Node 24 is used.`,
  );
  process.exit(1);
}
const missing = missingFlags([...process.execArgv, ...(process.env.NODE_OPTIONS || '').split(/\s+/)]);

if (missing.length === 0) {
  if (process.env[WATCH] === '1' && process.channel) {
    delete process.env[WATCH];
    // The launcher is gone (killed, even with SIGKILL): stop as on SIGTERM (serve shuts down cleanly).
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  require(main);
} else {
  const args = [...process.execArgv, ...missing, main, ...process.argv.slice(2)];
  if (typeof process.execve === 'function') {
    try {
      process.execve(process.execPath, [process.execPath, ...args], process.env);
    } catch {
      // Not available on this platform: fall through to a watched child.
    }
  }
  const child = spawn(process.execPath, [...process.execArgv, ...missing, __filename, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [WATCH]: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // End the same way; without the forwarding handler, or the signal would only be forwarded.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
