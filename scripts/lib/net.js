'use strict';
const net = require('node:net');

/**
 * A TCP port that was free a moment ago on `host` (the OS picks it). Another process may
 * still take it before the caller binds; the callers start one server per port right away.
 * @param {string} [host]
 * @returns {Promise<number>}
 */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `url` until it answers 2xx, giving up after `timeoutMs` or as soon as `alive()`
 * says the server process is gone.
 * @param {string} url
 * @param {{ timeoutMs?: number, intervalMs?: number, alive?: () => boolean, what?: string }} [options]
 */
async function waitForHttp(url, options = {}) {
  const { timeoutMs = 120_000, intervalMs = 250, alive = () => true, what = url } = options;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what}: the process exited before ${url} answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: ${url} did not answer within ${timeoutMs} ms (last: ${last})`);
}

module.exports = { freePort, sleep, waitForHttp };
