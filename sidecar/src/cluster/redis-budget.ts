import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { ACQUIRE, LEAVE, PUSHBACK, REFRESH, RELEASE } from './lua';
import type { AgentBudget } from './types';

/** Options of a cluster-wide budget. */
export interface RedisBudgetOptions {
  /** The connection for commands (connected). */
  readonly redis: Redis;
  /** A second connection for the budget's notifications (pub/sub); without it waiters only poll. */
  readonly subscriber?: Redis;
  /** Put in front of every key and channel, so clusters (and tests) can share one Redis. @default 'dw:' */
  readonly prefix?: string;
  /** Agents in flight across the cluster (DW_GLOBAL_MAX_PARALLEL; every process should set the same). */
  readonly limit: number;
  /**
   * How long a slot outlives its holder's last renewal (DW_REDIS_LEASE_MS): slots are renewed every
   * third of it, so a process that dies (SIGKILL) gives its slots back after at most this long.
   * @default 15_000
   */
  readonly leaseMs?: number;
  /** A process with waiters asks again this often even without a notification (lost messages, expired leases). @default 250 */
  readonly pollMs?: number;
  /** Cool-down after a 429/529 that said no retry-after. @default 1_000 */
  readonly defaultCooldownMs?: number;
  /** Longest cool-down one push-back sets. @default 30_000 */
  readonly maxCooldownMs?: number;
  /** Redis stopped answering (with the reason) or answers again. */
  readonly onAvailability?: (available: boolean, reason: string) => void;
  /** close() also closes both connections (the budget owns them). @default false */
  readonly ownsConnections?: boolean;
  /** This process's name in the line. @default a random UUID */
  readonly processId?: string;
}

interface Waiter {
  readonly grant: (lease: string) => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

interface BudgetCommands {
  dwAcquire(...args: (string | number)[]): Promise<[number, number, number]>;
  dwRelease(...args: (string | number)[]): Promise<number>;
  dwRefresh(...args: (string | number)[]): Promise<number>;
  dwPushback(...args: (string | number)[]): Promise<[number, number]>;
  dwLeave(...args: (string | number)[]): Promise<number>;
}

/** The place of a process in line lasts this long without a new request (a process that died while waiting). */
const WAITER_MS = 5_000;

/**
 * DW_GLOBAL_MAX_PARALLEL across every sidecar on one Redis: a counting semaphore whose slots
 * are leases (a sorted set of lease → expiry, renewed by a heartbeat), a line of waiting
 * processes that hands free slots round them, a cluster-wide cool-down after push-back, and a
 * shared limit that halves on push-back and climbs back with successes. Within a process,
 * waiters are served first come, first served; one request to Redis asks for as many slots as
 * there are waiters. While Redis is unreachable new agents wait (agents holding slots go on),
 * and slots given back meanwhile are given back once it answers again.
 */
export class RedisBudget implements AgentBudget {
  readonly processId: string;
  /** Settles once the notifications are subscribed to (or that failed: waiters then poll). */
  readonly subscribed: Promise<void>;
  private readonly redis: Redis & BudgetCommands;
  private readonly keys: {
    holders: string;
    queue: string;
    waiting: string;
    ticket: string;
    cooldown: string;
    adaptive: string;
    channel: string;
  };
  private readonly limit: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly defaultCooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly keyTtlMs: number;
  private readonly waiters: Waiter[] = [];
  private readonly held = new Set<string>();
  private readonly toRelease = new Set<string>();
  private nextLease = 0;
  private successes = 0;
  private notBefore = 0;
  private pumping = false;
  private again = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private available = true;
  private closed = false;
  /** Limit in force in the cluster as last seen (lowered by push-back). */
  lastLimit: number;

  constructor(private readonly opts: RedisBudgetOptions) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new RangeError(`Expected \`limit\` to be an integer >= 1, got ${opts.limit}`);
    this.limit = opts.limit;
    this.lastLimit = opts.limit;
    this.leaseMs = opts.leaseMs ?? 15_000;
    if (!Number.isInteger(this.leaseMs) || this.leaseMs < 100)
      throw new RangeError(`Expected \`leaseMs\` to be an integer >= 100, got ${this.leaseMs}`);
    this.pollMs = opts.pollMs ?? 250;
    this.defaultCooldownMs = opts.defaultCooldownMs ?? 1_000;
    this.maxCooldownMs = opts.maxCooldownMs ?? 30_000;
    this.keyTtlMs = Math.max(10 * 60_000, 4 * this.leaseMs);
    this.processId = opts.processId ?? randomUUID();
    const p = `${opts.prefix ?? 'dw:'}budget:`;
    this.keys = {
      holders: `${p}holders`,
      queue: `${p}queue`,
      waiting: `${p}waiting`,
      ticket: `${p}ticket`,
      cooldown: `${p}cooldown`,
      adaptive: `${p}adaptive`,
      channel: `${p}events`,
    };
    const redis = opts.redis;
    // EVALSHA with a fallback to EVAL: scripts travel once per connection.
    if (!('dwAcquire' in redis)) {
      redis.defineCommand('dwAcquire', { numberOfKeys: 6, lua: ACQUIRE });
      redis.defineCommand('dwRelease', { numberOfKeys: 2, lua: RELEASE });
      redis.defineCommand('dwRefresh', { numberOfKeys: 1, lua: REFRESH });
      redis.defineCommand('dwPushback', { numberOfKeys: 2, lua: PUSHBACK });
      redis.defineCommand('dwLeave', { numberOfKeys: 2, lua: LEAVE });
    }
    this.redis = redis as Redis & BudgetCommands;
    this.redis.on('ready', this.onReady);
    this.redis.on('error', this.onError);
    const sub = opts.subscriber;
    if (sub) {
      sub.on('message', this.onMessage);
      sub.on('error', () => undefined);
    }
    this.subscribed = sub
      ? sub.subscribe(this.keys.channel).then(
          () => undefined,
          () => undefined,
        )
      : Promise.resolve();
    this.heartbeat = setInterval(() => void this.refresh(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
  }

  /** Slots this process holds now. */
  get holding(): number {
    return this.held.size;
  }

  /** Milliseconds of cluster cool-down this process knows of (0: none). */
  get coolingDownMs(): number {
    return Math.max(0, this.notBefore - Date.now());
  }

  /** Callers waiting for a slot in this process. */
  get waiting(): number {
    return this.waiters.length;
  }

  async run<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const lease = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release(lease);
    }
  }

  /** Waits for a slot (a lease id); it must be given back with release(). */
  acquire(signal: AbortSignal): Promise<string> {
    if (signal.aborted) return Promise.reject(reasonOf(signal));
    if (this.closed) return Promise.reject(new Error('The agent budget is closed'));
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        grant: (lease) => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve(lease);
        },
        reject,
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          if (this.waiters.length === 0) this.leaveLine();
          reject(reasonOf(signal));
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  release(lease: string): void {
    if (!this.held.delete(lease)) return;
    this.toRelease.add(lease);
    void this.flushReleases();
  }

  async beforeModelCall(signal: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.notBefore - Date.now();
      if (wait <= 0) return;
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        throw reasonOf(signal);
      }
    }
  }

  pushback(retryAfterMs: number | undefined): void {
    const ms = Math.max(1, Math.min(this.maxCooldownMs, Math.ceil(retryAfterMs ?? this.defaultCooldownMs)));
    this.coolDown(ms);
    this.successes = 0;
    this.redis
      .dwPushback(this.keys.cooldown, this.keys.adaptive, ms, this.limit, this.keyTtlMs)
      .then(([cool, limit]) => {
        this.lastLimit = limit;
        this.coolDown(cool);
        return this.redis.publish(this.keys.channel, `cooldown:${cool}`);
      })
      .catch(() => undefined);
  }

  success(): void {
    this.successes++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.redis.off('ready', this.onReady);
    this.redis.off('error', this.onError);
    this.opts.subscriber?.off('message', this.onMessage);
    for (const lease of this.held) this.toRelease.add(lease);
    this.held.clear();
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.reject(new Error('The agent budget is closed'));
    }
    await Promise.allSettled([this.flushReleases(), this.leaveLine()]);
    if (this.opts.ownsConnections) {
      this.redis.disconnect();
      this.opts.subscriber?.disconnect();
    }
  }

  private coolDown(ms: number): void {
    if (ms > 0) this.notBefore = Math.max(this.notBefore, Date.now() + ms);
  }

  /** Asks Redis for as many slots as there are waiters; one request at a time, repeated while it helps. */
  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.waiters.length === 0 || this.closed) return;
    this.pumping = true;
    void this.pumpLoop().finally(() => {
      this.pumping = false;
      if (this.again) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async pumpLoop(): Promise<void> {
    let retryIn = this.pollMs;
    while (this.waiters.length > 0 && !this.closed) {
      this.again = false;
      const want = this.waiters.length;
      const leases = Array.from({ length: want }, () => `${this.processId}:${this.nextLease++}`);
      let granted: number;
      try {
        const [g, cool, limit] = await this.redis.dwAcquire(
          this.keys.holders,
          this.keys.queue,
          this.keys.waiting,
          this.keys.ticket,
          this.keys.cooldown,
          this.keys.adaptive,
          this.limit,
          this.leaseMs,
          this.processId,
          WAITER_MS,
          this.keyTtlMs,
          ...leases,
        );
        granted = g;
        this.lastLimit = limit;
        this.coolDown(cool);
        if (cool > 0) retryIn = cool;
        this.markAvailable(true, '');
      } catch (err) {
        this.markAvailable(false, err instanceof Error ? err.message : String(err));
        break;
      }
      for (let i = 0; i < granted; i++) {
        const lease = leases[i]!;
        const waiter = this.waiters.shift();
        this.held.add(lease);
        if (waiter) waiter.grant(lease);
        else this.release(lease); // the waiter left (aborted) while Redis answered
      }
      if (granted < want && !this.again) break;
    }
    if (this.waiters.length > 0 && !this.closed) this.schedulePoll(retryIn);
  }

  private schedulePoll(ms: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(
      () => {
        this.pollTimer = null;
        this.pump();
      },
      Math.min(ms, this.pollMs * 4),
    );
    this.pollTimer.unref();
  }

  private async flushReleases(): Promise<void> {
    if (this.toRelease.size === 0) return;
    const leases = [...this.toRelease];
    this.toRelease.clear();
    const ok = this.successes;
    this.successes = 0;
    try {
      this.lastLimit = await this.redis.dwRelease(this.keys.holders, this.keys.adaptive, this.limit, ok, this.keyTtlMs, ...leases);
      await this.redis.publish(this.keys.channel, 'released');
    } catch (err) {
      // Given back once Redis answers again (the ready handler), or by expiry at the latest.
      for (const lease of leases) this.toRelease.add(lease);
      this.successes += ok;
      this.markAvailable(false, err instanceof Error ? err.message : String(err));
    }
  }

  private async refresh(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.redis.dwRefresh(this.keys.holders, this.leaseMs, this.keyTtlMs, ...this.held);
    } catch (err) {
      this.markAvailable(false, err instanceof Error ? err.message : String(err));
    }
  }

  private leaveLine(): Promise<void> {
    return this.redis
      .dwLeave(this.keys.queue, this.keys.waiting, this.processId)
      .then(() => undefined)
      .catch(() => undefined);
  }

  private markAvailable(available: boolean, reason: string): void {
    if (available === this.available) return;
    this.available = available;
    this.opts.onAvailability?.(available, reason);
  }

  /** Back after an outage (or a Redis restart, which keeps nothing): leases restored, slots given back, waiters served. */
  private readonly onReady = (): void => {
    this.markAvailable(true, '');
    void this.refresh()
      .then(() => this.flushReleases())
      .then(() => this.pump());
  };

  private readonly onError = (err: Error): void => {
    this.markAvailable(false, err.message);
  };

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.keys.channel) return;
    if (message.startsWith('cooldown:')) this.coolDown(Number(message.slice('cooldown:'.length)) || 0);
    else if (this.waiters.length > 0) this.pump();
  };
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
