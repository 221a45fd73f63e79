import { createHmac, timingSafeEqual } from 'crypto';

/** Headers of a signed sidecar callback (shared contract with sidecar/src/callbacks). */
export const TIMESTAMP_HEADER = 'x-dw-timestamp';
export const SIGNATURE_HEADER = 'x-dw-signature';
/** How far a callback's timestamp may be from this clock: the sidecar uses the same window. */
export const TOLERANCE_MS = 300_000;

/**
 * `sha256=<hex HMAC-SHA256 over "<timestamp>.<path>.<raw body>">`, keyed with the callback
 * secret; `path` is the path of the URL the sidecar POSTed to (without its query).
 */
export function signCallback(
	secret: string,
	timestamp: string,
	path: string,
	rawBody: Buffer | string,
): string {
	const hmac = createHmac('sha256', secret);
	hmac.update(`${timestamp}.${path}.`);
	hmac.update(rawBody);
	return `sha256=${hmac.digest('hex')}`;
}

export type SignedCallback = {
	secret: string;
	timestamp: string | undefined;
	signature: string | undefined;
	/** The path of the resume URL this execution registered. */
	path: string;
	rawBody: Buffer | string;
};

/** Whether the callback carries a valid signature of its exact path and body; compared in constant time. */
export function isValidCallbackSignature({
	secret,
	timestamp,
	signature,
	path,
	rawBody,
}: SignedCallback): boolean {
	if (!timestamp || !signature || !/^\d{1,16}$/.test(timestamp)) return false;
	const expected = Buffer.from(signCallback(secret, timestamp, path, rawBody));
	const given = Buffer.from(signature);
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether the signed timestamp is within ±5 minutes of now, so a captured callback cannot be replayed later. */
export function isFreshTimestamp(timestamp: string | undefined, now: number = Date.now()): boolean {
	return (
		!!timestamp && /^\d{1,16}$/.test(timestamp) && Math.abs(now - Number(timestamp)) <= TOLERANCE_MS
	);
}
