/**
 * The budget's Redis scripts. Each runs atomically on the server and reads the server's clock
 * (TIME), so the sidecars' clocks need not agree. Keys (under the prefix):
 * `budget:holders` (zset lease → expiry ms), `budget:queue` (zset process → ticket: the line of
 * waiting processes), `budget:waiting` (zset process → expiry ms of its place in line),
 * `budget:ticket` (counter), `budget:cooldown` (a key that lives as long as the cool-down),
 * `budget:adaptive` (hash: `limit` the lowered limit, `at` the last push-back, `ok` successes
 * since). Every write renews the keys' own expiry, so a prefix nobody uses empties itself.
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: holders, queue, waiting, ticket, cooldown, adaptive.
 * ARGV: limit, leaseMs, processId, waiterMs, keyTtlMs, lease ids… (one per slot wanted).
 * Returns { granted, cooldownMs, limit in force }. A process gets slots only while no cool-down
 * runs and there is a free slot for every process ahead of it in line; it takes at most its
 * share (free ÷ processes waiting, at least one), then goes to the back of the line if it still
 * waits: slots go round the waiting processes, so a busy one cannot starve a quiet one.
 */
export const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, p in ipairs(gone) do redis.call('ZREM', KEYS[2], p) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local cool = redis.call('PTTL', KEYS[5])
if cool < 0 then cool = 0 end
local limit = tonumber(ARGV[1])
local lowered = tonumber(redis.call('HGET', KEYS[6], 'limit') or limit)
if lowered < limit then limit = lowered end
local want = #ARGV - 5
local pid = ARGV[3]
local free = limit - redis.call('ZCARD', KEYS[1])
if not redis.call('ZSCORE', KEYS[2], pid) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), pid)
end
local rank = redis.call('ZRANK', KEYS[2], pid)
local line = redis.call('ZCARD', KEYS[2])
local granted = 0
if cool == 0 and free > rank then
  granted = math.min(want, free - rank, math.max(1, math.floor(free / line)))
end
local expiry = now + tonumber(ARGV[2])
for i = 1, granted do redis.call('ZADD', KEYS[1], expiry, ARGV[5 + i]) end
if granted < want then
  if granted > 0 then redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), pid) end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), pid)
else
  redis.call('ZREM', KEYS[2], pid)
  redis.call('ZREM', KEYS[3], pid)
end
local ttl = tonumber(ARGV[5])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
return { granted, cool, limit }
`;

/**
 * KEYS: holders, adaptive. ARGV: configured limit, successes since the last release, keyTtlMs,
 * lease ids…. Gives the leases back and lets the lowered limit climb (one step per round of
 * successes, none within the window after a push-back). Returns the limit in force.
 */
export const RELEASE = `${NOW}
for i = 4, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
local limit = tonumber(ARGV[1])
local lowered = tonumber(redis.call('HGET', KEYS[2], 'limit') or limit)
local ok = tonumber(ARGV[2])
if lowered < limit and ok > 0 then
  local at = tonumber(redis.call('HGET', KEYS[2], 'at') or 0)
  local window = tonumber(redis.call('HGET', KEYS[2], 'window') or 1000)
  if now - at >= window then
    local total = tonumber(redis.call('HINCRBY', KEYS[2], 'ok', ok))
    if total >= lowered then
      lowered = lowered + 1
      redis.call('HSET', KEYS[2], 'limit', lowered, 'ok', 0)
    end
    redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
  end
end
if lowered < limit then return lowered end
return limit
`;

/** KEYS: holders. ARGV: leaseMs, keyTtlMs, lease ids…. Renews (or, after a Redis restart, restores) this process's leases. */
export const REFRESH = `${NOW}
local expiry = now + tonumber(ARGV[1])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return #ARGV - 2
`;

/**
 * KEYS: cooldown, adaptive. ARGV: cooldownMs, configured limit, keyTtlMs. Extends the cluster's
 * cool-down to at least cooldownMs from now, and halves the limit at most once per window
 * (a burst of 429s from calls already in flight is one signal). Returns { cooldownMs, limit }.
 */
export const PUSHBACK = `${NOW}
local ms = tonumber(ARGV[1])
local cool = redis.call('PTTL', KEYS[1])
if cool < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
  cool = ms
end
local limit = tonumber(ARGV[2])
local lowered = tonumber(redis.call('HGET', KEYS[2], 'limit') or limit)
if lowered > limit then lowered = limit end
local at = tonumber(redis.call('HGET', KEYS[2], 'at') or 0)
local window = math.max(1000, ms)
if now - at >= tonumber(redis.call('HGET', KEYS[2], 'window') or 0) then
  lowered = math.max(1, math.floor(lowered / 2))
  redis.call('HSET', KEYS[2], 'limit', lowered, 'at', now, 'ok', 0, 'window', window)
end
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]))
return { cool, lowered }
`;

/** KEYS: queue, waiting. ARGV: processId. The process no longer waits: it leaves the line. */
export const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;
