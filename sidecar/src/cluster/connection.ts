import type * as IoRedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { RedisUnavailableError } from '../errors/errors';
import { redactRedisUrl, withoutPassword } from '../config/redis-url';

/** Time to reach Redis at start before the sidecar gives up with `redis_unavailable`. */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

/** What a caller changes of connectRedis' defaults. */
export interface ConnectRedisExtras {
  /** ioredis options over the defaults (BullMQ's workers need `maxRetriesPerRequest: null`). */
  readonly options?: Partial<RedisOptions>;
  /** The sentence of the `redis_unavailable` message that says what needs Redis (the budget's by default). */
  readonly purpose?: string;
}

/** `ioredis`, loaded by the first connection: a sidecar without DW_REDIS_URL never loads it (~15 MB). */
function ioredis(): typeof IoRedis {
  return module.require('ioredis') as typeof IoRedis;
}

/**
 * Connects to DW_REDIS_URL, or throws RedisUnavailableError naming the URL without its password.
 * Once connected, the client reconnects by itself (every 0.1–2 s) for as long as the process runs;
 * commands fail at once while it is away (no offline queue), so callers decide how to wait.
 */
export async function connectRedis(
  url: string,
  name: string,
  timeoutMs = REDIS_CONNECT_TIMEOUT_MS,
  extras: ConnectRedisExtras = {},
): Promise<Redis> {
  const redis = new (ioredis().Redis)(url, {
    lazyConnect: true,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
    ...extras.options,
  });
  // Errors are reported through the budget's availability, never as an unhandled 'error' event.
  const swallow = (): void => undefined;
  redis.on('error', swallow);
  try {
    await Promise.race([
      redis.connect(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const reason = err instanceof Error ? err.message : String(err);
    throw new RedisUnavailableError(redactRedisUrl(url), withoutPassword(reason, url), extras.purpose);
  }
  return redis;
}
