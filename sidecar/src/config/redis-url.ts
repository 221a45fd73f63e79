import { ConfigError } from '../errors/errors';

/**
 * Checks DW_REDIS_URL (`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS) and
 * returns it unchanged. The message of a malformed URL never repeats it: it may hold a password.
 */
export function checkRedisUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('Expected `DW_REDIS_URL` to be a URL like redis://host:6379/0 (the value is not shown: it may hold a password)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new ConfigError(`Expected \`DW_REDIS_URL\` to start with redis:// or rediss://, got ${url.protocol}//`);
  if (!url.hostname) throw new ConfigError('Expected `DW_REDIS_URL` to name a host (redis://host:6379)');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db))
    throw new ConfigError('Expected the path of `DW_REDIS_URL` to be a database number (redis://host:6379/0)');
  return raw;
}

/** The URL with its password replaced, for logs and error messages. */
export function redactRedisUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(malformed DW_REDIS_URL)';
  }
}

/** Removes the URL's password from a text that may quote it (a driver's error message). */
export function withoutPassword(text: string, raw: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(raw).password);
  } catch {
    return text;
  }
  return password ? text.split(password).join('***') : text;
}
