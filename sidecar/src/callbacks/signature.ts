import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-dw-timestamp';
export const SIGNATURE_HEADER = 'x-dw-signature';

/** `sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">`, the value of `x-dw-signature`. */
export function signCallback(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface VerifyOptions {
  /** Oldest (or furthest in the future) timestamp accepted, so a captured request cannot be replayed later. @default 300_000 */
  readonly toleranceMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The receiver's side of the scheme, kept beside the signer so both change together. */
export function verifyCallbackSignature(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  opts: VerifyOptions = {},
): boolean {
  if (!timestamp || !signature || !/^\d{1,16}$/.test(timestamp)) return false;
  const skew = Math.abs((opts.now ?? Date.now)() - Number(timestamp));
  if (skew > (opts.toleranceMs ?? 300_000)) return false;
  const expected = Buffer.from(signCallback(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
