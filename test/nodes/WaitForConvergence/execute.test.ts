import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';

import { waitForConvergence } from '../../../nodes/WaitForConvergence/execute';
import { OUTPUT, OUTPUT_NAMES } from '../../../nodes/WaitForConvergence/outputs';
import { SidecarApiError } from '../../../nodes/shared/transport/errors';
import { sidecarRequest } from '../../../nodes/shared/transport/request';
import {
	TEST_NODE,
	fakeExecuteContext,
	type ParameterValue,
} from '../support/fake-execute-context';

jest.mock('../../../nodes/shared/transport/request');
const request = jest.mocked(sidecarRequest);

const RESUME_URL = 'https://n8n.example.com/webhook-waiting/812?signature=abc123';

function waitContext(
	params: Record<string, ParameterValue> = {},
	items = [{ id: 'run-9', status: 'queued' }],
) {
	return fakeExecuteContext({
		items,
		resumeUrl: RESUME_URL,
		params: {
			runId: (i: number) => items[i].id,
			events: ['converged', 'failed', 'cancelled', 'awaiting_approval'],
			limitWaitTime: false,
			...params,
		},
	});
}

beforeEach(() => {
	request.mockReset();
	request.mockResolvedValue({});
});

describe('Wait for Convergence execute()', () => {
	it("registers the execution's signed resume URL for the run, then puts the execution to wait", async () => {
		const context = waitContext({ events: ['converged', 'failed'] });

		await waitForConvergence.call(context);

		expect(context.evaluateExpression).toHaveBeenCalledWith('{{ $execution.resumeUrl }}', 0);
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
		expect(request.mock.invocationCallOrder[0]).toBeLessThan(
			context.putExecutionToWait.mock.invocationCallOrder[0],
		);
	});

	it("stores the run and the resume URL's path with the execution before registering, for webhook() to check", async () => {
		const context = waitContext();

		await waitForConvergence.call(context);

		expect(context.customData.getAll()).toEqual({
			dynamicWorkflowsWait: JSON.stringify({ runId: 'run-9', path: '/webhook-waiting/812' }),
		});
	});

	it('does not register or wait when n8n cannot keep the wait state (custom data full)', async () => {
		const full = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
		const context = fakeExecuteContext({
			items: [{ id: 'run-9' }],
			resumeUrl: RESUME_URL,
			customData: full,
			params: { runId: 'run-9', events: ['converged'], limitWaitTime: false },
		});

		await expect(waitForConvergence.call(context)).rejects.toThrow(
			'Could not store the run this execution waits for',
		);
		expect(request).not.toHaveBeenCalled();
		expect(context.putExecutionToWait).not.toHaveBeenCalled();
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

	it('does not wait when the sidecar refuses the registration', async () => {
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
});
