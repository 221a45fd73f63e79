import { createHmac } from 'node:crypto';

import {
	isFreshTimestamp,
	isValidCallbackSignature,
	signCallback,
} from '../../../nodes/WaitForConvergence/signature';

const secret = 'callback-secret-123456';
const body = '{"runId":"r1","status":"converged","usage":{"usd":0.1}}';
const path = '/webhook-waiting/812';

describe('callback signatures', () => {
	it('signs "<timestamp>.<path>.<raw body>" with HMAC-SHA256 as sha256=<hex>', () => {
		const expected = createHmac('sha256', secret)
			.update(`1700000000000.${path}.${body}`)
			.digest('hex');

		expect(signCallback(secret, '1700000000000', path, body)).toBe(`sha256=${expected}`);
		expect(signCallback(secret, '1700000000000', path, Buffer.from(body))).toBe(
			`sha256=${expected}`,
		);
	});

	it('accepts the signature of the exact path, body and timestamp', () => {
		const signature = signCallback(secret, '1700000000000', path, body);

		expect(
			isValidCallbackSignature({
				secret,
				timestamp: '1700000000000',
				signature,
				path,
				rawBody: body,
			}),
		).toBe(true);
	});

	it.each([
		['another secret', { secret: 'another-secret' }],
		['a changed body', { rawBody: body.replace('0.1', '0.2') }],
		['a changed timestamp', { timestamp: '1700000000001' }],
		['another resume URL path', { path: '/webhook-waiting/813' }],
		['no signature', { signature: undefined }],
		['no timestamp', { timestamp: undefined }],
		['a signature of another length', { signature: 'sha256=abc' }],
	])('refuses %s', (_label, change) => {
		const signed = {
			secret,
			timestamp: '1700000000000',
			signature: signCallback(secret, '1700000000000', path, body),
			path,
			rawBody: body,
		};

		expect(isValidCallbackSignature({ ...signed, ...change })).toBe(false);
	});

	it('takes timestamps within 5 minutes either way, as the sidecar does', () => {
		const now = 1_700_000_000_000;
		expect(isFreshTimestamp(String(now - 299_000), now)).toBe(true);
		expect(isFreshTimestamp(String(now + 299_000), now)).toBe(true);
		expect(isFreshTimestamp(String(now - 301_000), now)).toBe(false);
		expect(isFreshTimestamp(String(now + 301_000), now)).toBe(false);
		expect(isFreshTimestamp(undefined, now)).toBe(false);
		expect(isFreshTimestamp('12abc', now)).toBe(false);
	});
});
