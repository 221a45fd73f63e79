import { ConfigError } from '../errors/errors';

/** `DW_DATABASE_URL` with its password replaced, for messages and logs. */
export function maskDatabaseUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: show no part of it that could be a secret.
    return '<unparseable DW_DATABASE_URL>';
  }
}

/** Checks `DW_DATABASE_URL` at start: a `postgres://` or `postgresql://` URL naming a database. */
export function checkDatabaseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError('DW_DATABASE_URL is not a URL; expected postgres://user[:password]@host[:port]/database');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new ConfigError(`DW_DATABASE_URL must be a postgres:// or postgresql:// URL, got ${u.protocol}// (${maskDatabaseUrl(raw)})`);
  if (!u.hostname) throw new ConfigError(`DW_DATABASE_URL names no host (${maskDatabaseUrl(raw)})`);
  if (u.pathname.length <= 1) throw new ConfigError(`DW_DATABASE_URL names no database (${maskDatabaseUrl(raw)})`);
  return raw;
}
