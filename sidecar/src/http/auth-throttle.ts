import { DwError } from '../errors/errors';

/** Too many failed sign-ins or bearer tokens from one client address in the window. */
export class TooManyAuthFailuresError extends DwError {
  readonly retryAfterSec: number;
  constructor(retryAfterSec: number) {
    super('too_many_auth_failures', `Too many failed authentication attempts from this address; retry after ${retryAfterSec} s`, 429);
    this.retryAfterSec = retryAfterSec;
  }
}

export interface AuthThrottleOptions {
  /** Failures from one address within `windowMs` before it is refused. @default 10 */
  readonly maxFailures?: number;
  /** @default 60_000 */
  readonly windowMs?: number;
  /** Addresses tracked at once; the oldest is forgotten past this. @default 10_000 */
  readonly maxAddresses?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Counts failed authentications per client address in a fixed window. Only failures count
 * and only failures are refused: a client with the right credentials is never throttled.
 */
export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(opts: AuthThrottleOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 10;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The error to answer a failure from `address` with: 429 once over the limit, else null (and the failure counts). */
  fail(address: string): TooManyAuthFailuresError | null {
    const now = this.now();
    let entry = this.failures.get(address);
    if (!entry || now - entry.since >= this.windowMs) {
      this.failures.delete(address);
      while (this.failures.size >= this.maxAddresses) {
        const oldest = this.failures.keys().next();
        if (oldest.done === true) break;
        this.failures.delete(oldest.value);
      }
      entry = { count: 0, since: now };
      this.failures.set(address, entry);
    }
    if (entry.count >= this.maxFailures)
      return new TooManyAuthFailuresError(Math.max(1, Math.ceil((entry.since + this.windowMs - now) / 1000)));
    entry.count += 1;
    return null;
  }
}
