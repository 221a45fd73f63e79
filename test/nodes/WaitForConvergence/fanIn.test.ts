import { waitForConvergence } from '../../../nodes/WaitForConvergence/execute';
import { OUTPUT } from '../../../nodes/WaitForConvergence/outputs';
import { groupDigest } from '../../../nodes/WaitForConvergence/waitState';
import { SidecarApiError } from '../../../nodes/common/transport/errors';
import { sidecarRequest } from '../../../nodes/common/transport/request';
import {
	TEST_NODE,
	fakeExecuteContext,
	type FakeContextOptions,
	type ParameterValue,
} from '../support/fake-execute-context';

jest.mock('../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

const RESUME_URL = 'https://n8n.example.com/webhook-waiting/812?signature=abc123';
const USAGE = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 };

function fanInContext(
	params: Record<string, ParameterValue> = {},
	items = [{ id: 'run-1' }, { id: 'run-2' }, { id: 'run-3' }],
	options: Partial<FakeContextOptions> = {},
) {
	const context = fakeExecuteContext({
		items,
		resumeUrl: RESUME_URL,
		...options,
		params: {
			runs: 'allItems',
			runId: (i: number) => items[i].id,
			resumeWhen: 'all',
			events: ['converged', 'failed', 'cancelled'],
			limitWaitTime: false,
			...params,
		},
	});
	const logger = { warn: jest.fn(), info: jest.fn(), debug: jest.fn(), error: jest.fn() };
	return Object.assign(context, { addExecutionHints: jest.fn(), logger });
}

beforeEach(() => {
	request.mockReset();
	request.mockResolvedValue({ id: 'group-1', met: false, state: 'open' } as never);
});

describe('Wait for Convergence execute(), fan-in (runs of all input items)', () => {
	it('registers one group with a run per item (repeats kept), stores its digest first, then waits', async () => {
		const items = [{ id: 'run-1' }, { id: 'run-2' }, { id: 'run-1' }];
		const context = fanInContext({ resumeWhen: 'any', count: 2 }, items);
		let stateAtRegistration: unknown;
		request.mockImplementation(async () => {
			stateAtRegistration = context.customData.get('dynamicWorkflowsWait');
			return { id: 'group-1', met: false, state: 'open' } as never;
		});

		const outputs = await waitForConvergence.call(context);

		expect(request).toHaveBeenCalledTimes(1);
		expect(request.mock.calls[0][1]).toEqual({
			method: 'POST',
			path: '/v1/callbacks',
			body: {
				runIds: ['run-1', 'run-2', 'run-1'],
				wait: 'any',
				count: 2,
				url: RESUME_URL,
				events: ['converged', 'failed', 'cancelled'],
				ifAlreadyMet: 'answer',
			},
		});
		expect(stateAtRegistration).toBe(
			JSON.stringify({
				group: groupDigest(['run-1', 'run-2', 'run-1']),
				path: '/webhook-waiting/812',
			}),
		);
		expect(context.putExecutionToWait).toHaveBeenCalledTimes(1);
		expect(outputs[OUTPUT.timedOut].map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
	});

	it('passes the runs on at once when the sidecar answers that the condition already holds', async () => {
		request.mockResolvedValue({
			met: true,
			payload: {
				groupId: null,
				wait: 'first',
				runIds: ['run-1', 'run-2', 'run-3'],
				runs: [
					{ runId: 'run-1', status: 'running', usage: USAGE, ended: false },
					{ runId: 'run-2', status: 'converged', result: 'yes', usage: USAGE, ended: true },
					{ runId: 'run-3', status: 'awaiting_approval', usage: USAGE, ended: false },
				],
			},
		} as never);
		const context = fanInContext({ resumeWhen: 'first' });

		const outputs = await waitForConvergence.call(context);

		expect(context.putExecutionToWait).not.toHaveBeenCalled();
		expect(
			outputs[OUTPUT.converged].map((i) => [i.json.runId, i.json.result, i.pairedItem]),
		).toEqual([['run-2', 'yes', { item: 1 }]]);
		// Not ended when the wait resumed: Timed Out, with the current status.
		expect(
			outputs[OUTPUT.timedOut].map((i) => [i.json.status, i.json.ended, i.pairedItem]),
		).toEqual([
			['running', false, { item: 0 }],
			['awaiting_approval', false, { item: 2 }],
		]);
		expect(outputs[OUTPUT.awaitingApproval]).toEqual([]);
	});

	it.each([
		[{ resumeWhen: 'any', count: 4 }, 'Number of Runs must be 1 to 3'],
		[{ resumeWhen: 'any', count: 0 }, 'Number of Runs must be 1 to 3'],
		[{ resumeWhen: 'first', events: ['failed'] }, 'The First Converges needs Converged'],
		[{ runId: (i: number) => (i === 1 ? ' ' : 'run-1') }, 'Run ID is empty'],
		[{ events: [] }, 'Resume On is empty'],
	])('refuses %j before registering anything', async (params, message) => {
		const context = fanInContext(params as Record<string, ParameterValue>);

		await expect(waitForConvergence.call(context)).rejects.toThrow(message);
		expect(request).not.toHaveBeenCalled();
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});

	it('does not register or wait when n8n cannot keep the wait state (custom data full)', async () => {
		const full = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
		const context = fanInContext({}, undefined, { customData: full });

		await expect(waitForConvergence.call(context)).rejects.toThrow('Could not store the runs');
		expect(request).not.toHaveBeenCalled();
	});

	it("does not wait when the sidecar refuses the group (unknown runs: the sidecar's code reaches the user)", async () => {
		request.mockRejectedValue(
			new SidecarApiError(
				TEST_NODE,
				{ code: 'run_not_found', message: 'No run with id run-3' },
				{ httpStatus: 404, request: 'POST /v1/callbacks' },
			),
		);
		const context = fanInContext();

		await expect(waitForConvergence.call(context)).rejects.toThrow('No run with id run-3');
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
	});
});
