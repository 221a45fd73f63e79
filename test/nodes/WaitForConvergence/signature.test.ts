import { createHmac } from 'node:crypto';

import { isValidCallbackSignature, signCallback } from '../../../nodes/WaitForConvergence/signature';

const secret = 'callback-secret-123456';
const body = '{"runId":"r1","status":"converged","usage":{"usd":0.1}}';

describe('callback signatures', () => {
	it('signs "<timestamp>.<raw body>" with HMAC-SHA256 as sha256=<hex>', () => {
		const expected = createHmac('sha256', secret).update(`1700000000000.${body}`).digest('hex');

		expect(signCallback(secret, '1700000000000', body)).toBe(`sha256=${expected}`);
		expect(signCallback(secret, '1700000000000', Buffer.from(body))).toBe(`sha256=${expected}`);
	});

	it('accepts the signature of the exact body and timestamp', () => {
		const signature = signCallback(secret, '1700000000000', body);

		expect(isValidCallbackSignature({ secret, timestamp: '1700000000000', signature, rawBody: body })).toBe(true);
	});

	it.each([
		['another secret', { secret: 'another-secret' }],
		['a changed body', { rawBody: body.replace('0.1', '0.2') }],
		['a changed timestamp', { timestamp: '1700000000001' }],
		['no signature', { signature: undefined }],
		['no timestamp', { timestamp: undefined }],
		['a signature of another length', { signature: 'sha256=abc' }],
	])('refuses %s', (_label, change) => {
		const signed = { secret, timestamp: '1700000000000', signature: signCallback(secret, '1700000000000', body), rawBody: body };

		expect(isValidCallbackSignature({ ...signed, ...change })).toBe(false);
	});
});
