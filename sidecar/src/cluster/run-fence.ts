import type { Redis } from 'ioredis';

/**
 * KEYS: the run's fence key. ARGV: keyTtlMs. The next token: above the last one given and never
 * below the Redis server's clock in milliseconds, so a Redis that restarts empty (or a key that
 * expired) still gives tokens above every earlier one — the store keeps the highest token seen
 * and refuses older writers (`fenced_out`).
 */
const NEXT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local token = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
if token < now then token = now end
redis.call('SET', KEYS[1], string.format('%d', token), 'PX', tonumber(ARGV[1]))
return token
`;

interface FenceCommands {
  dwFenceNext(key: string, ttlMs: number): Promise<number>;
}

/** A fence key outlives its last token by this long; after that the clock floor takes over. */
const FENCE_TTL_MS = 7 * 86_400_000;

/**
 * Fencing tokens per run: every time a worker takes a run's job (first time, after another
 * worker's crash, after a hand-back) it draws a token larger than any drawn before for that run,
 * and every store write of that execution carries it (`StepWrite.fence`).
 */
export class RunFence {
  private readonly redis: Redis & FenceCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('dwFenceNext' in redis)) redis.defineCommand('dwFenceNext', { numberOfKeys: 1, lua: NEXT });
    this.redis = redis as Redis & FenceCommands;
  }

  /** A new token for the run, larger than every earlier one. */
  async next(runId: string): Promise<number> {
    return Number(await this.redis.dwFenceNext(this.key(runId), FENCE_TTL_MS));
  }

  /** The newest token of each run (null: none, or expired). */
  async current(runIds: readonly string[]): Promise<(number | null)[]> {
    if (runIds.length === 0) return [];
    const values = await this.redis.mget(...runIds.map((id) => this.key(id)));
    return values.map((v) => (v === null ? null : Number(v)));
  }

  private key(runId: string): string {
    return `${this.prefix}fence:${runId}`;
  }
}
