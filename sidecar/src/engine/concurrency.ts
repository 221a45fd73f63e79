import pLimit, { type LimitFunction } from 'p-limit';

/** Options of a run's adaptive concurrency. */
export interface ConcurrencyOptions {
  /** Agents in flight at most; also where recovery stops. */
  readonly max: number;
  /**
   * After a push-back (429/529) the limit is halved at most once per this window, so a burst
   * of 429s from requests already in flight counts as one signal, not sixteen.
   * @default 1000
   */
  readonly cooldownMs?: number;
  /** Called whenever the limit changes. */
  readonly onChange?: (concurrency: number, reason: string) => void;
  readonly now?: () => number;
}

/**
 * A run's agent limiter: p-limit whose concurrency drops (multiplicatively) while the
 * provider pushes back and climbs back (additively, one step per full round of successes)
 * once it stops. Lowering the limit never aborts agents in flight; it only holds new ones.
 */
export class AdaptiveConcurrency {
  readonly limit: LimitFunction;
  private readonly max: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private lastPushback = -Infinity;
  private successes = 0;

  constructor(private readonly opts: ConcurrencyOptions) {
    if (!Number.isInteger(opts.max) || opts.max < 1)
      throw new RangeError(`Expected \`maxParallel\` to be an integer >= 1, got ${opts.max}`);
    this.max = opts.max;
    this.cooldownMs = opts.cooldownMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.limit = pLimit(opts.max);
  }

  get concurrency(): number {
    return this.limit.concurrency;
  }
  get active(): number {
    return this.limit.activeCount;
  }
  get pending(): number {
    return this.limit.pendingCount;
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.limit(fn);
  }

  /** The provider answered 429/529 (retryAfterMs when it said how long to wait). */
  pushback(retryAfterMs?: number): void {
    const t = this.now();
    const window = Math.max(this.cooldownMs, retryAfterMs ?? 0);
    this.successes = 0;
    if (t - this.lastPushback < window) return;
    this.lastPushback = t;
    const next = Math.max(1, Math.floor(this.limit.concurrency / 2));
    if (next !== this.limit.concurrency) {
      this.limit.concurrency = next;
      this.opts.onChange?.(next, 'provider push-back');
    }
  }

  success(): void {
    if (this.limit.concurrency >= this.max) return;
    if (this.now() - this.lastPushback < this.cooldownMs) return;
    this.successes += 1;
    if (this.successes >= this.limit.concurrency) {
      this.successes = 0;
      this.limit.concurrency = Math.min(this.max, this.limit.concurrency + 1);
      this.opts.onChange?.(this.limit.concurrency, 'recovering');
    }
  }
}
