import type { IDataObject } from 'n8n-workflow';

import { OUTPUT, OUTPUT_NAMES } from '../../../nodes/WaitForConvergence/outputs';
import { signCallback } from '../../../nodes/WaitForConvergence/signature';
import { resumeFromCallback } from '../../../nodes/WaitForConvergence/webhook';
import { WAITING, fakeWebhookContext } from '../support/fake-webhook-context';

const TOKEN = 'sidecar-token-0123456789';
const usage = {
	inputTokens: 10,
	outputTokens: 5,
	cacheReadTokens: 2,
	cacheWriteTokens: 1,
	usd: 0.02,
};

function signedCallback(
	payload: object,
	secret = TOKEN,
	credentials: IDataObject = { token: TOKEN },
	{ path = WAITING.path, timestamp = String(Date.now()) } = {},
) {
	const rawBody = Buffer.from(JSON.stringify(payload));
	return fakeWebhookContext({
		headers: {
			'x-dw-timestamp': timestamp,
			'x-dw-signature': signCallback(secret, timestamp, path, rawBody),
		},
		rawBody,
		credentials,
	});
}

/** The output index an item went to, and the item. */
function routed(workflowData: unknown) {
	const outputs = workflowData as Array<Array<{ json: object; pairedItem: unknown }>>;
	expect(outputs).toHaveLength(OUTPUT_NAMES.length);
	const filled = outputs.flatMap((items, index) => items.map((item) => ({ index, item })));
	expect(filled).toHaveLength(1);
	return filled[0];
}

describe('Wait for Convergence webhook()', () => {
	it.each([
		['converged', OUTPUT.converged],
		['failed', OUTPUT.failed],
		['cancelled', OUTPUT.failed],
		['awaiting_approval', OUTPUT.awaitingApproval],
	])('routes a %s callback to its output with the run', async (status, output) => {
		const error =
			status === 'failed' ? { code: 'budget_usd', message: 'USD budget exhausted' } : null;
		const result = status === 'converged' ? { confirmed: ['a.ts:12'] } : null;
		const { context, answer } = signedCallback({ runId: 'run-5', status, result, error, usage });

		const response = await resumeFromCallback.call(context);

		const { index, item } = routed(response.workflowData);
		expect(index).toBe(output);
		expect(item).toEqual({
			json: { runId: 'run-5', status, result, error, usage },
			pairedItem: { item: 0 },
		});
		expect(answer.statusCode).toBeUndefined();
	});

	it('fills result and error with null when the callback leaves them out', async () => {
		const { context } = signedCallback({ runId: 'run-5', status: 'cancelled', usage });

		const { item } = routed((await resumeFromCallback.call(context)).workflowData);

		expect(item.json).toEqual({
			runId: 'run-5',
			status: 'cancelled',
			result: null,
			error: null,
			usage,
		});
	});

	it('refuses a wrong signature with 401 and resumes nothing', async () => {
		const { context, answer } = signedCallback(
			{ runId: 'run-5', status: 'converged', usage },
			'not-the-token',
		);

		const response = await resumeFromCallback.call(context);

		expect(response).toEqual({ noWebhookResponse: true });
		expect(answer.statusCode).toBe(401);
		expect(JSON.parse(answer.body!)).toEqual({
			error: { code: 'invalid_signature', message: expect.any(String) },
		});
	});

	it('refuses a body changed after signing', async () => {
		const original = Buffer.from(JSON.stringify({ runId: 'run-5', status: 'failed', usage }));
		const timestamp = String(Date.now());
		const { context, answer } = fakeWebhookContext({
			headers: {
				'x-dw-timestamp': timestamp,
				'x-dw-signature': signCallback(TOKEN, timestamp, WAITING.path, original),
			},
			rawBody: Buffer.from(JSON.stringify({ runId: 'run-5', status: 'converged', usage })),
			credentials: { token: TOKEN },
		});

		await resumeFromCallback.call(context);

		expect(answer.statusCode).toBe(401);
	});

	it('refuses an unsigned callback when the credential has a token', async () => {
		const { context, answer } = fakeWebhookContext({
			headers: {},
			rawBody: Buffer.from(JSON.stringify({ runId: 'run-5', status: 'converged', usage })),
			credentials: { token: TOKEN },
		});

		await resumeFromCallback.call(context);

		expect(answer.statusCode).toBe(401);
	});

	it('verifies with the callback secret instead of the token when one is set', async () => {
		const credentials = { token: TOKEN, callbackSecret: 'separate-callback-secret' };
		const payload = { runId: 'run-5', status: 'converged', usage };

		const withSecret = signedCallback(payload, 'separate-callback-secret', credentials);
		const withToken = signedCallback(payload, TOKEN, credentials);

		expect((await resumeFromCallback.call(withSecret.context)).workflowData).toBeDefined();
		await resumeFromCallback.call(withToken.context);
		expect(withToken.answer.statusCode).toBe(401);
	});

	it('accepts unsigned callbacks only from a sidecar without a token (development mode)', async () => {
		const { context } = fakeWebhookContext({
			headers: {},
			rawBody: Buffer.from(JSON.stringify({ runId: 'run-5', status: 'converged', usage })),
			credentials: { token: '' },
		});

		expect(routed((await resumeFromCallback.call(context)).workflowData).index).toBe(
			OUTPUT.converged,
		);
	});

	it('verifies against the re-serialised body when n8n kept no raw bytes', async () => {
		const payload = { runId: 'run-5', status: 'converged', result: { n: 1 }, usage };
		const timestamp = String(Date.now());
		const { context } = fakeWebhookContext({
			headers: {
				'x-dw-timestamp': timestamp,
				'x-dw-signature': signCallback(TOKEN, timestamp, WAITING.path, JSON.stringify(payload)),
			},
			body: payload,
			credentials: { token: TOKEN },
		});

		expect(routed((await resumeFromCallback.call(context)).workflowData).index).toBe(
			OUTPUT.converged,
		);
	});

	it('answers 400 to a signed body that is not a run callback', async () => {
		const { context, answer } = signedCallback({ hello: 'world' });

		expect(await resumeFromCallback.call(context)).toEqual({ noWebhookResponse: true });
		expect(answer.statusCode).toBe(400);
	});

	it('answers 422 to a state that does not resume a wait', async () => {
		const { context, answer } = signedCallback({ runId: 'run-5', status: 'running', usage });

		expect(await resumeFromCallback.call(context)).toEqual({ noWebhookResponse: true });
		expect(answer.statusCode).toBe(422);
	});

	describe('a captured or misdirected callback resumes nothing (the execution keeps waiting)', () => {
		const payload = { runId: 'run-5', status: 'converged', result: { ok: true }, usage };

		it('refuses a callback signed for another resume URL with 401', async () => {
			const { context, answer } = signedCallback(
				payload,
				TOKEN,
				{ token: TOKEN },
				{ path: '/webhook-waiting/999' },
			);

			expect(await resumeFromCallback.call(context)).toEqual({ noWebhookResponse: true });
			expect(answer.statusCode).toBe(401);
			expect(JSON.parse(answer.body!).error.code).toBe('invalid_signature');
		});

		it.each([
			['older', -301_000],
			['newer', 301_000],
		])('refuses a validly signed callback %s than 5 minutes with 401', async (_label, skew) => {
			const { context, answer } = signedCallback(
				payload,
				TOKEN,
				{ token: TOKEN },
				{ timestamp: String(Date.now() + skew) },
			);

			expect(await resumeFromCallback.call(context)).toEqual({ noWebhookResponse: true });
			expect(answer.statusCode).toBe(401);
			expect(JSON.parse(answer.body!).error.code).toBe('stale_callback');
		});

		it('takes a callback 4 minutes old', async () => {
			const { context } = signedCallback(
				payload,
				TOKEN,
				{ token: TOKEN },
				{ timestamp: String(Date.now() - 240_000) },
			);

			expect(routed((await resumeFromCallback.call(context)).workflowData).index).toBe(
				OUTPUT.converged,
			);
		});

		it('refuses a validly signed callback for another run with 403', async () => {
			const { context, answer } = signedCallback({ ...payload, runId: 'run-6' });

			expect(await resumeFromCallback.call(context)).toEqual({ noWebhookResponse: true });
			expect(answer.statusCode).toBe(403);
			expect(JSON.parse(answer.body!).error).toEqual({
				code: 'run_mismatch',
				message: 'This execution waits for run run-5, not run-6',
			});
		});

		it('checks the run id also without a signature (development mode)', async () => {
			const { context, answer } = fakeWebhookContext({
				headers: {},
				rawBody: Buffer.from(JSON.stringify({ ...payload, runId: 'run-6' })),
				credentials: { token: '' },
			});

			await resumeFromCallback.call(context);
			expect(answer.statusCode).toBe(403);
		});

		it('refuses every callback when the execution holds no wait state', async () => {
			const rawBody = Buffer.from(JSON.stringify(payload));
			const timestamp = String(Date.now());
			const { context, answer } = fakeWebhookContext({
				headers: {
					'x-dw-timestamp': timestamp,
					'x-dw-signature': signCallback(TOKEN, timestamp, WAITING.path, rawBody),
				},
				rawBody,
				credentials: { token: TOKEN },
				waitState: null,
			});

			expect(await resumeFromCallback.call(context)).toEqual({ noWebhookResponse: true });
			expect(answer.statusCode).toBe(403);
			expect(JSON.parse(answer.body!).error.code).toBe('unknown_wait');
		});
	});
});
