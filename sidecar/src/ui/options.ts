import { ConfigError } from '../errors/errors';

/** How the live page signs people in. */
export interface LivePageOptions {
  /** The sidecar token a person types to sign in; null (development mode on loopback) leaves the page open. */
  readonly token: string | null;
  /**
   * Mark the session cookie `Secure` (set it when the sidecar is reached over HTTPS, e.g. behind a
   * TLS-terminating proxy). A request that arrives over TLS gets a `Secure` cookie either way.
   * @default false
   */
  readonly secureCookies?: boolean;
  /** Lifetime of a session from sign-in, in milliseconds. @default 43_200_000 (12 hours) */
  readonly sessionTtlMs?: number;
  /** Sessions kept at once; signing in past this ends the oldest. @default 1000 */
  readonly maxSessions?: number;
  /** Name of the session cookie. @default 'dw_session' */
  readonly cookieName?: string;
  /** Clock, for tests of expiry. @default Date.now */
  readonly now?: () => number;
}

export type ResolvedLivePageOptions = Required<LivePageOptions>;

export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function resolveLivePageOptions(opts: LivePageOptions): ResolvedLivePageOptions {
  if (opts.token !== null && (typeof opts.token !== 'string' || opts.token === '')) {
    throw new ConfigError('Expected `token` to be a non-empty string, or null for development mode');
  }
  const secureCookies = opts.secureCookies ?? false;
  if (typeof secureCookies !== 'boolean') throw new ConfigError('Expected `secureCookies` to be a boolean');
  const sessionTtlMs = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  if (!Number.isInteger(sessionTtlMs) || sessionTtlMs < 1000 || sessionTtlMs > 30 * 24 * 3_600_000) {
    throw new ConfigError('Expected `sessionTtlMs` to be an integer from 1000 (1 s) to 2592000000 (30 days)');
  }
  const maxSessions = opts.maxSessions ?? 1000;
  if (!Number.isInteger(maxSessions) || maxSessions < 1 || maxSessions > 1_000_000) {
    throw new ConfigError('Expected `maxSessions` to be an integer from 1 to 1000000');
  }
  const cookieName = opts.cookieName ?? 'dw_session';
  if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName)) {
    throw new ConfigError('Expected `cookieName` to be 1 to 64 letters, digits, `_` or `-`');
  }
  const now = opts.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('Expected `now` to be a function returning milliseconds');
  return { token: opts.token, secureCookies, sessionTtlMs, maxSessions, cookieName, now };
}
