import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { router } from '../../../../nodes/DynamicWorkflow/actions/router';
import { SidecarApiError } from '../../../../nodes/common/transport/errors';
import { sidecarRequest } from '../../../../nodes/common/transport/request';
import { TEST_NODE, fakeExecuteContext } from '../../support/fake-execute-context';

jest.mock('../../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

// Without an item index, so the router has to add it.
const budgetError = (itemIndex?: number) =>
	new SidecarApiError(
		TEST_NODE,
		{ code: 'budget_usd', message: 'USD budget exhausted: $1.0000 of $1 spent (maxUsd)' },
		{ httpStatus: 422, request: 'GET /v1/runs/r', itemIndex },
	);

/** Get for three items; the sidecar fails the second one. */
function getThreeRuns(continueOnFail: boolean) {
	request.mockImplementation(async (_ctx, req, itemIndex) => {
		if (itemIndex === 1) throw budgetError();
		return { id: req.path.split('/').pop(), status: 'converged' };
	});
	return fakeExecuteContext({
		items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
		params: { resource: 'run', operation: 'get', runId: (i: number) => ['a', 'b', 'c'][i] },
		continueOnFail,
	});
}

beforeEach(() => request.mockReset());

describe('router', () => {
	it('runs the operation per item and pairs each output with its item', async () => {
		request.mockImplementation(async (_ctx, req) => ({ id: req.path.split('/').pop() }));
		const context = fakeExecuteContext({
			items: [{}, {}],
			params: { resource: 'run', operation: 'get', runId: (i: number) => `run-${i}` },
		});

		const [output] = await router.call(context);

		expect(output).toEqual([
			{ json: { id: 'run-0' }, pairedItem: { item: 0 } },
			{ json: { id: 'run-1' }, pairedItem: { item: 1 } },
		]);
	});

	it('gives one item per run of a list, each paired with the item that asked', async () => {
		request.mockResolvedValue({ runs: [{ id: 'x' }, { id: 'y' }], nextCursor: null });
		const context = fakeExecuteContext({
			params: { resource: 'run', operation: 'list', returnAll: true, filters: {} },
		});

		const [output] = await router.call(context);

		expect(output.map((i) => [i.json.id, i.pairedItem])).toEqual([
			['x', { item: 0 }],
			['y', { item: 0 }],
		]);
	});

	it('with Continue On Fail, a failed item yields its error and code and the others go on', async () => {
		const [output] = await router.call(getThreeRuns(true));

		expect(output).toEqual([
			{ json: { id: 'a', status: 'converged' }, pairedItem: { item: 0 } },
			{
				json: { error: 'USD budget exhausted: $1.0000 of $1 spent (maxUsd)', code: 'budget_usd' },
				pairedItem: { item: 1 },
			},
			{ json: { id: 'c', status: 'converged' }, pairedItem: { item: 2 } },
		]);
	});

	it('without Continue On Fail, stops with the NodeApiError of the failed item', async () => {
		const error = await router.call(getThreeRuns(false)).catch((e: unknown) => e);

		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as SidecarApiError).code).toBe('budget_usd');
		expect((error as SidecarApiError).context.itemIndex).toBe(1);
	});

	it('wraps an unexpected error in a NodeOperationError that names the item', async () => {
		request.mockRejectedValue(new TypeError('boom'));
		const context = fakeExecuteContext({
			items: [{}],
			params: { resource: 'run', operation: 'cancel', runId: 'r' },
		});

		const error = await router.call(context).catch((e: unknown) => e);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('boom');
		expect((error as NodeOperationError).context.itemIndex).toBe(0);
	});

	it('refuses an operation it does not know', async () => {
		const context = fakeExecuteContext({ params: { resource: 'run', operation: 'explode' } });

		await expect(router.call(context)).rejects.toThrow('"explode"');
	});
});
