import pino, { type Logger } from 'pino';

/**
 * Secrets that must never reach a log line: credentials in headers, and any field named like one
 * at the top level or up to two levels down (pino's redaction has no recursive wildcard).
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'authorization',
  'cookie',
  ...['token', 'apiKey', 'secret'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

/** The HTTP service's logger: a child of the sidecar's (or a fresh pino at `level`) with redaction on. */
export function createHttpLogger(base: Logger | undefined, level: string): Logger {
  const root = base ?? pino({ level });
  return root.child({ component: 'http' }, { redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } });
}
