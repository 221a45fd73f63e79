import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';

import { waitForConvergence } from '../../../nodes/WaitForConvergence/execute';
import { OUTPUT, OUTPUT_NAMES } from '../../../nodes/WaitForConvergence/outputs';
import { SidecarApiError } from '../../../nodes/common/transport/errors';
import { sidecarRequest } from '../../../nodes/common/transport/request';
import {
	TEST_NODE,
	fakeExecuteContext,
	type FakeContextOptions,
	type FakeExecuteContext,
	type ParameterValue,
} from '../support/fake-execute-context';

jest.mock('../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

const RESUME_URL = 'https://n8n.example.com/webhook-waiting/812?signature=abc123';
const USAGE = {
	inputTokens: 10,
	outputTokens: 5,
	cacheReadTokens: 0,
	cacheWriteTokens: 0,
	usd: 0.01,
};

/** GET /v1/runs/:id as the sidecar answers it (the fields the node reads). */
function runRecord(status: string, patch: Record<string, unknown> = {}) {
	return { id: 'run-9', status, phase: null, result: null, error: null, usage: USAGE, ...patch };
}

/** The fake context, plus what n8n's ExecuteContext offers for hints and logs. */
function withHints(context: FakeExecuteContext) {
	const logger = { warn: jest.fn(), info: jest.fn(), debug: jest.fn(), error: jest.fn() };
	return Object.assign(context, { addExecutionHints: jest.fn(), logger });
}

function waitContext(
	params: Record<string, ParameterValue> = {},
	items = [{ id: 'run-9', status: 'queued' }],
	options: Partial<FakeContextOptions> = {},
) {
	return withHints(
		fakeExecuteContext({
			items,
			resumeUrl: RESUME_URL,
			...options,
			params: {
				runId: (i: number) => items[i].id,
				events: ['converged', 'failed', 'cancelled', 'awaiting_approval'],
				limitWaitTime: false,
				...params,
			},
		}),
	);
}

/** The sidecar answers the look at the run with `run`, and registrations with {}. */
function sidecarAnswers(run: object = runRecord('running')) {
	request.mockImplementation(async (_context, req) => (req.method === 'GET' ? run : {}) as never);
}

const registrations = () => request.mock.calls.filter(([, req]) => req.method === 'POST');

beforeEach(() => {
	request.mockReset();
	sidecarAnswers();
});

describe('Wait for Convergence execute()', () => {
	it("registers the execution's signed resume URL for the run, then puts the execution to wait", async () => {
		const context = waitContext({ events: ['converged', 'failed'] });

		await waitForConvergence.call(context);

		expect(context.evaluateExpression).toHaveBeenCalledWith('{{ $execution.resumeUrl }}', 0);
		expect(request.mock.calls[0][1]).toEqual({ method: 'GET', path: '/v1/runs/run-9' });
		expect(request).toHaveBeenCalledWith(
			context,
			{
				method: 'POST',
				path: '/v1/runs/run-9/callbacks',
				body: { url: RESUME_URL, events: ['converged', 'failed'] },
			},
			0,
		);
		expect(context.putExecutionToWait).toHaveBeenCalledTimes(1);
		expect(request.mock.invocationCallOrder[1]).toBeLessThan(
			context.putExecutionToWait.mock.invocationCallOrder[0],
		);
	});

	it("stores the run and the resume URL's path with the execution before registering, for webhook() to check", async () => {
		const context = waitContext();

		await waitForConvergence.call(context);

		expect(context.customData.getAll()).toEqual({
			dynamicWorkflowsWait: JSON.stringify({ runId: 'run-9', path: '/webhook-waiting/812' }),
			dynamicWorkflowsRunPage: 'http://sidecar.test:7420/#/runs/run-9',
		});
		expect(registrations()).toHaveLength(1);
		expect(context.customData.getAll()).toHaveProperty('dynamicWorkflowsWait');
	});

	it('does not register or wait when n8n cannot keep the wait state (custom data full)', async () => {
		const full = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
		const context = waitContext({ events: ['converged'] }, [{ id: 'run-9', status: 'queued' }], {
			customData: full,
		});

		await expect(waitForConvergence.call(context)).rejects.toThrow(
			'Could not store the run this execution waits for',
		);
		expect(registrations()).toEqual([]);
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});

	it('stores the wait state before it registers: a callback that comes at once finds it', async () => {
		const context = waitContext();
		let stateAtRegistration: unknown;
		request.mockImplementation(async (_context, req) => {
			if (req.method === 'POST')
				stateAtRegistration = context.customData.get('dynamicWorkflowsWait');
			return (req.method === 'GET' ? runRecord('running') : {}) as never;
		});

		await waitForConvergence.call(context);

		expect(stateAtRegistration).toBe(
			JSON.stringify({ runId: 'run-9', path: '/webhook-waiting/812' }),
		);
	});

	it('waits indefinitely without a time limit', async () => {
		const context = waitContext();

		await waitForConvergence.call(context);

		expect(context.putExecutionToWait).toHaveBeenCalledWith(WAIT_INDEFINITELY);
	});

	it('waits until the time limit when one is set', async () => {
		const context = waitContext({ limitWaitTime: true, limitAmount: 90, limitUnit: 'minutes' });
		const before = Date.now();

		await waitForConvergence.call(context);

		const waitTill = context.putExecutionToWait.mock.calls[0][0].getTime();
		expect(waitTill).toBeGreaterThanOrEqual(before + 90 * 60_000);
		expect(waitTill).toBeLessThanOrEqual(Date.now() + 90 * 60_000);
	});

	it('returns the input items on Timed Out, as n8n passes them on when the limit hits', async () => {
		const items = [
			{ id: 'run-9', status: 'queued' },
			{ id: 'run-9', status: 'queued', note: 'same run' },
		];

		const outputs = await waitForConvergence.call(waitContext({}, items));

		expect(outputs).toHaveLength(OUTPUT_NAMES.length);
		expect(outputs[OUTPUT.timedOut]).toEqual([
			{ json: items[0], pairedItem: { item: 0 } },
			{ json: items[1], pairedItem: { item: 1 } },
		]);
		expect(outputs.filter((o, i) => i !== OUTPUT.timedOut).flat()).toEqual([]);
	});

	it('refuses items that name different runs: an execution resumes only once', async () => {
		const context = waitContext({}, [
			{ id: 'run-1', status: 'queued' },
			{ id: 'run-2', status: 'queued' },
		]);

		await expect(waitForConvergence.call(context)).rejects.toThrow(
			'waits for one run per execution',
		);
		expect(request).not.toHaveBeenCalled();
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});

	it('refuses an empty run ID or no events to resume on', async () => {
		await expect(waitForConvergence.call(waitContext({ runId: '' }))).rejects.toBeInstanceOf(
			NodeOperationError,
		);
		await expect(waitForConvergence.call(waitContext({ events: [] }))).rejects.toThrow(
			'Resume On is empty',
		);
		expect(request).not.toHaveBeenCalled();
	});

	it('does not wait when the sidecar does not know the run', async () => {
		request.mockRejectedValue(
			new SidecarApiError(
				TEST_NODE,
				{ code: 'run_not_found', message: 'No run with id run-9' },
				{ httpStatus: 404, request: 'POST' },
			),
		);
		const context = waitContext();

		await expect(waitForConvergence.call(context)).rejects.toThrow('No run with id run-9');
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});

	it('does not wait when the sidecar refuses the registration', async () => {
		request.mockImplementation(async (_context, req) => {
			if (req.method === 'GET') return runRecord('running') as never;
			throw new SidecarApiError(
				TEST_NODE,
				{ code: 'callback_host_not_allowed', message: 'Callbacks may not go to n8n.example.com' },
				{ httpStatus: 400, request: 'POST' },
			);
		});
		const context = waitContext();

		await expect(waitForConvergence.call(context)).rejects.toThrow('Callbacks may not go to');
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});
});

describe('Wait for Convergence execute(): a run that is already there', () => {
	const failure = { code: 'budget_usd', message: 'USD budget exhausted' };

	it.each([
		['converged', OUTPUT.converged, { result: { answer: 42 } }],
		['failed', OUTPUT.failed, { error: failure }],
		['cancelled', OUTPUT.failed, { error: { code: 'cancelled', message: 'Cancelled by a user' } }],
		['awaiting_approval', OUTPUT.awaitingApproval, {}],
	])(
		'routes a run already %s to its output at once: no callback, no wait',
		async (status, output, patch) => {
			sidecarAnswers(runRecord(status, patch));
			const context = waitContext();

			const outputs = await waitForConvergence.call(context);

			expect(registrations()).toEqual([]);
			expect(context.putExecutionToWait).not.toHaveBeenCalled();
			expect(outputs).toHaveLength(OUTPUT_NAMES.length);
			const filled = outputs.flatMap((items, index) => items.map((item) => ({ index, item })));
			// The same item a callback would have brought.
			expect(filled).toEqual([
				{
					index: output,
					item: {
						json: {
							runId: 'run-9',
							status,
							result: status === 'converged' ? { answer: 42 } : null,
							error: 'error' in patch ? patch.error : null,
							usage: USAGE,
						},
						pairedItem: { item: 0 },
					},
				},
			]);
			// Nothing waits, so webhook() needs no state; the run page is kept with the execution.
			expect(context.customData.getAll()).toEqual({
				dynamicWorkflowsRunPage: 'http://sidecar.test:7420/#/runs/run-9',
			});
			expect(context.addExecutionHints).toHaveBeenCalledWith(
				expect.objectContaining({
					type: 'info',
					message: expect.stringContaining('without waiting'),
				}),
			);
		},
	);

	it('passes on only the result of a converged run, as its callback does', async () => {
		sidecarAnswers(runRecord('failed', { result: { partial: true }, error: failure }));

		const outputs = await waitForConvergence.call(waitContext());

		expect(outputs[OUTPUT.failed][0].json).toMatchObject({ result: null, error: failure });
	});

	it.each([
		['queued', ['converged']],
		['planning', ['converged']],
		['running', ['converged', 'failed']],
		['awaiting_approval', ['converged', 'failed', 'cancelled']],
	])('waits for a run still %s (Resume On %j)', async (status, events) => {
		sidecarAnswers(runRecord(status));
		const context = waitContext({ events });

		await waitForConvergence.call(context);

		expect(registrations()).toHaveLength(1);
		expect(context.putExecutionToWait).toHaveBeenCalledTimes(1);
	});

	it('refuses to wait forever for a run that ended in a state not among Resume On', async () => {
		sidecarAnswers(runRecord('cancelled'));
		const context = waitContext({ events: ['converged'] });

		await expect(waitForConvergence.call(context)).rejects.toThrow(
			'Run run-9 already ended as cancelled, which is not among Resume On (converged)',
		);
		expect(registrations()).toHaveLength(0);
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});

	it('with a time limit, waits (with a warning) for a run that ended in a state not among Resume On', async () => {
		sidecarAnswers(runRecord('cancelled'));
		const context = waitContext({
			events: ['converged'],
			limitWaitTime: true,
			limitAmount: 5,
			limitUnit: 'minutes',
		});

		await waitForConvergence.call(context);

		expect(registrations()).toHaveLength(1);
		expect(context.putExecutionToWait).toHaveBeenCalledTimes(1);
		expect(context.addExecutionHints).toHaveBeenCalledWith(
			expect.objectContaining({
				type: 'warning',
				message: expect.stringContaining('no callback will come'),
			}),
		);
	});

	it('looks at the run before it registers, so a run that ends in between is still delivered (by the sidecar, at registration)', async () => {
		const context = waitContext();

		await waitForConvergence.call(context);

		expect(request.mock.calls.map(([, req]) => req.method)).toEqual(['GET', 'POST']);
	});
});

describe('Wait for Convergence execute(): guardrails', () => {
	it('shows the run page of the run it waits for', async () => {
		const context = waitContext();

		await waitForConvergence.call(context);

		expect(context.addExecutionHints).toHaveBeenCalledWith({
			type: 'info',
			location: 'outputPane',
			message: 'Waiting for run run-9. Follow it live: http://sidecar.test:7420/#/runs/run-9',
		});
		expect(context.customData.get('dynamicWorkflowsRunPage')).toBe(
			'http://sidecar.test:7420/#/runs/run-9',
		);
	});

	it.each([
		'http://localhost:5678/webhook-waiting/812?signature=abc',
		'http://127.0.0.1:5678/webhook-waiting/812?signature=abc',
		'http://[::1]:5678/webhook-waiting/812?signature=abc',
	])(
		'warns, naming WEBHOOK_URL, when it hands %s to a sidecar that is not on loopback',
		async (resumeUrl) => {
			const context = waitContext({}, undefined, {
				resumeUrl,
				credentials: { baseUrl: 'https://sidecar.example.com', token: 't' },
			});

			await waitForConvergence.call(context);

			expect(context.addExecutionHints).toHaveBeenCalledWith(
				expect.objectContaining({
					type: 'warning',
					message: expect.stringContaining('Set WEBHOOK_URL'),
				}),
			);
			expect(context.logger.warn).toHaveBeenCalledWith(expect.stringContaining('WEBHOOK_URL'));
			// A warning, not a refusal: the registration and the wait go ahead.
			expect(registrations()).toHaveLength(1);
			expect(context.putExecutionToWait).toHaveBeenCalledTimes(1);
		},
	);

	it('adds the WEBHOOK_URL advice to the error when the sidecar refuses the loopback URL', async () => {
		request.mockImplementation(async (_context, req) => {
			if (req.method === 'GET') return runRecord('running') as never;
			throw new SidecarApiError(
				TEST_NODE,
				{ code: 'callback_host_not_allowed', message: 'Callbacks may not go to localhost:5678' },
				{ httpStatus: 400, request: 'POST /v1/runs/run-9/callbacks' },
			);
		});
		const context = waitContext({}, undefined, {
			resumeUrl: 'http://localhost:5678/webhook-waiting/812?signature=abc',
			credentials: { baseUrl: 'https://sidecar.example.com', token: 't' },
		});

		const error = await waitForConvergence.call(context).catch((e: unknown) => e);

		expect(error).toBeInstanceOf(SidecarApiError);
		expect((error as SidecarApiError).code).toBe('callback_host_not_allowed');
		expect((error as SidecarApiError).description).toContain('Set WEBHOOK_URL');
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});

	it.each([
		[
			'a loopback resume URL and a sidecar on loopback',
			'http://localhost:5678/w/1',
			'http://127.0.0.1:7420',
		],
		['a public resume URL', 'https://n8n.example.com/w/1', 'https://sidecar.example.com'],
		['a private resume URL', 'http://10.0.0.5:5678/w/1', 'http://sidecar.internal:7420'],
	])('does not warn for %s', async (_label, resumeUrl, baseUrl) => {
		const context = waitContext({}, undefined, {
			resumeUrl,
			credentials: { baseUrl, token: 't' },
		});

		await waitForConvergence.call(context);

		expect(context.logger.warn).not.toHaveBeenCalled();
		expect(context.addExecutionHints).not.toHaveBeenCalledWith(
			expect.objectContaining({ type: 'warning' }),
		);
	});
});
