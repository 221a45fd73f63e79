import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SidecarProcess } from '../support/sidecar-process';

/**
 * A provider that echoes the API key back, URL-encoded, base64-encoded and in part, in its
 * error: none of those forms reaches an event, a log line or the store of the real sidecar.
 */
const KEY = 'Qz7/f9+Zr2LmNp4TxW8vBy3HcD0aPq';

const forms = (): string[] => {
  const out = [
    KEY,
    encodeURIComponent(KEY),
    Buffer.from(KEY).toString('base64'),
    Buffer.from(`x-api-key:${KEY}`).toString('base64'),
    Buffer.from(KEY).toString('base64url'),
  ];
  for (let i = 0; i + 12 <= KEY.length; i++) out.push(KEY.slice(i, i + 12));
  return out;
};

describe('a provider error that echoes the key', () => {
  let provider: http.Server;
  let sc: SidecarProcess;
  beforeAll(async () => {
    provider = http.createServer((req, res) => {
      req.resume();
      const echoed = `key ${encodeURIComponent(KEY)} b64 ${Buffer.from(KEY).toString('base64')} basic ${Buffer.from(`x-api-key:${KEY}`).toString('base64')} part ${KEY.slice(5, 22)}`;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: echoed } }));
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    sc = new SidecarProcess({ DW_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url, DW_LOG_LEVEL: 'debug' });
    await sc.start();
  }, 60_000);
  afterAll(async () => {
    await sc.kill();
    provider.closeAllConnections();
    await new Promise<void>((r) => provider.close(() => r()));
  });

  it('reaches no event, log line or stored byte in any form', async () => {
    const r = await sc.request<{ id: string }>('POST', '/v1/runs', { task: 't', script: "return await agent('hi');" });
    expect(r.status).toBe(201);
    const done = await sc.waitForStatus(r.body.id, ['converged', 'failed']);
    const events = await sc.request<string>('GET', `/v1/runs/${r.body.id}/events?follow=false`);
    const stored = ['sidecar.db', 'sidecar.db-wal']
      .map((f) => path.join(sc.dataDir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('\n');
    const seen = [JSON.stringify(done), JSON.stringify(events.body), sc.logs, stored].join('\n');
    expect(seen).toContain('[redacted]');
    for (const f of forms()) expect([f, seen.includes(f)]).toEqual([f, false]);
  }, 60_000);
});
