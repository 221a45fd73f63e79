import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-dw-timestamp';
export const SIGNATURE_HEADER = 'x-dw-signature';
/** How far a callback's timestamp may be from the receiver's clock (both sides use it). */
export const SIGNATURE_TOLERANCE_MS = 300_000;

/** The path the signature covers: the target URL's path, without query (n8n's resume token) and fragment. */
export function signedPath(url: string): string {
  return new URL(url).pathname;
}

/**
 * `sha256=<hex HMAC-SHA256 over "<timestamp>.<path>.<raw body>">`, the value of `x-dw-signature`.
 * The path binds a delivery to the URL it was sent to: a captured callback cannot resume another wait.
 */
export function signCallback(secret: string, timestamp: number | string, path: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${path}.${body}`).digest('hex')}`;
}

export interface VerifyOptions {
  /** Oldest (or furthest in the future) timestamp accepted, so a captured request cannot be replayed later. @default 300_000 */
  readonly toleranceMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The receiver's side of the scheme, kept beside the signer so both change together (the n8n node has its own copy). */
export function verifyCallbackSignature(
  secret: string,
  timestamp: string | undefined,
  path: string,
  body: string,
  signature: string | undefined,
  opts: VerifyOptions = {},
): boolean {
  if (!timestamp || !signature || !/^\d{1,16}$/.test(timestamp)) return false;
  const skew = Math.abs((opts.now ?? Date.now)() - Number(timestamp));
  if (skew > (opts.toleranceMs ?? SIGNATURE_TOLERANCE_MS)) return false;
  const expected = Buffer.from(signCallback(secret, timestamp, path, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
