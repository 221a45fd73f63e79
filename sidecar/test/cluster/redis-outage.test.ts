import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createCore } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { RedisProxy, RedisTestSpace, describeWithRedis } from '../support/redis';

describeWithRedis('a sidecar whose Redis goes away mid-run (real Redis behind a proxy)', () => {
  const space = new RedisTestSpace();
  afterAll(() => space.cleanup());

  it('new agents wait, the run says why, and it converges once Redis answers again', async () => {
    const proxy = await RedisProxy.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-outage-'));
    const env = {
      DW_DEV: '1',
      DW_DATA_DIR: dataDir,
      DW_PROVIDER: 'offline',
      DW_REDIS_URL: proxy.url,
      DW_REDIS_PREFIX: space.prefix,
      DW_GLOBAL_MAX_PARALLEL: '2',
      DW_OFFLINE_LATENCY_MS: '300',
    };
    let logs = '';
    const logger = pino({ level: 'info' }, { write: (line: string) => void (logs += line) });
    const core = await createCore(loadConfig(env, dataDir), env, { logger });
    try {
      const started = await core.engine.start({
        task: 'outage',
        script: `return (await parallel([1, 2, 3, 4, 5, 6].map((i) => () => agent('outage ' + i)))).filter(Boolean).length;`,
      });
      for (let i = 0; i < 100 && (await core.engine.get(started.id)).counts.active < 2; i++) await sleep(20);
      proxy.cut();
      await sleep(1_000);
      const during = await core.engine.get(started.id);
      expect(during.status).toBe('running');
      expect(during.counts.failed).toBe(0);
      expect(during.counts.queued).toBeGreaterThan(0);
      proxy.restore();
      const done = await core.engine.waitFor(started.id);
      expect({ status: done.status, result: done.result, failed: done.counts.failed }).toEqual({
        status: 'converged',
        result: 6,
        failed: 0,
      });
      const messages = (await core.engine.events(started.id, 0))
        .map((e) => e.event)
        .filter((e) => e.type === 'log')
        .map((e) => (e as { message: string }).message);
      expect(messages.some((m) => m.includes('is unreachable: new agents wait'))).toBe(true);
      expect(logs).toContain('Redis unreachable: new agents wait for the cluster budget');
    } finally {
      await core.close();
      await proxy.close();
    }
  });
});
