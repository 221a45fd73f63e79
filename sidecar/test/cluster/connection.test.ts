import { connectRedis } from '../../src/cluster/connection';
import { loadConfig } from '../../src/config/config';
import { redactRedisUrl } from '../../src/config/redis-url';
import { DwError } from '../../src/errors/errors';

const base = { DW_DEV: '1' };

describe('DW_REDIS_URL', () => {
  it('is optional: without it the budget stays in the process', () => {
    const c = loadConfig(base, '/tmp');
    expect(c.redisUrl).toBeNull();
    expect(c.redisPrefix).toBe('dw:');
    expect(c.redisLeaseMs).toBe(15_000);
  });

  it('a malformed URL stops the sidecar with invalid_config, never quoting its password', () => {
    for (const url of ['redis//:hunter2secret@host', 'http://:hunter2secret@host:6379', 'redis://:hunter2secret@host:6379/abc']) {
      let err: unknown;
      try {
        loadConfig({ ...base, DW_REDIS_URL: url }, '/tmp');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DwError);
      expect((err as DwError).code).toBe('invalid_config');
      expect((err as DwError).message).not.toContain('hunter2secret');
    }
  });

  it('a bad prefix or lease is invalid_config with the variable named', () => {
    expect(() => loadConfig({ ...base, DW_REDIS_PREFIX: 'has space' }, '/tmp')).toThrow(/DW_REDIS_PREFIX/);
    expect(() => loadConfig({ ...base, DW_REDIS_LEASE_MS: '10' }, '/tmp')).toThrow(/DW_REDIS_LEASE_MS/);
  });

  it('an unreachable Redis is redis_unavailable, named without its password', async () => {
    const url = 'redis://user:hunter2secret@127.0.0.1:1/0';
    const err = (await connectRedis(url, 'test', 1_000).catch((e: unknown) => e)) as DwError;
    expect(err).toBeInstanceOf(DwError);
    expect(err.code).toBe('redis_unavailable');
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).not.toContain('hunter2secret');
    expect(redactRedisUrl(url)).toBe('redis://user:***@127.0.0.1:1/0');
  });
});
