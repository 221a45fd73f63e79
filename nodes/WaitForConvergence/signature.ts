import { createHmac, timingSafeEqual } from 'crypto';

/** Headers of a signed sidecar callback (shared contract with sidecar/src/callbacks). */
export const TIMESTAMP_HEADER = 'x-dw-timestamp';
export const SIGNATURE_HEADER = 'x-dw-signature';

/** `sha256=<hex HMAC-SHA256 over "<timestamp>.<raw body>">`, keyed with the callback secret. */
export function signCallback(secret: string, timestamp: string, rawBody: Buffer | string): string {
	const hmac = createHmac('sha256', secret);
	hmac.update(`${timestamp}.`);
	hmac.update(rawBody);
	return `sha256=${hmac.digest('hex')}`;
}

export type SignedCallback = {
	secret: string;
	timestamp: string | undefined;
	signature: string | undefined;
	rawBody: Buffer | string;
};

/** Whether the callback carries a valid signature of its exact body; compared in constant time. */
export function isValidCallbackSignature({ secret, timestamp, signature, rawBody }: SignedCallback): boolean {
	if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
	const expected = Buffer.from(signCallback(secret, timestamp, rawBody));
	const given = Buffer.from(signature);
	return given.length === expected.length && timingSafeEqual(given, expected);
}
