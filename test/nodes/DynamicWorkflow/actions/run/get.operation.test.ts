import * as get from '../../../../../nodes/DynamicWorkflow/actions/run/get.operation';
import { sidecarRequest } from '../../../../../nodes/common/transport/request';
import { fakeExecuteContext, type ParameterValue } from '../../../support/fake-execute-context';

jest.mock('../../../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

const context = (params: Record<string, ParameterValue>) => fakeExecuteContext({ params });

beforeEach(() => {
	request.mockReset();
	request.mockImplementation(async (_ctx, req) =>
		req.text ? 'return 1;' : { id: 'run/7', status: 'running' },
	);
});

describe('Get', () => {
	it('gets the run by its encoded ID', async () => {
		const ctx = context({ runId: 'run/7' });

		expect(await get.execute.call(ctx, 0)).toEqual({ id: 'run/7', status: 'running' });
		expect(request).toHaveBeenCalledWith(ctx, { method: 'GET', path: '/v1/runs/run%2F7' }, 0);
	});

	it('refuses an empty run ID', async () => {
		await expect(get.execute.call(context({ runId: ' ' }), 0)).rejects.toThrow('Run ID is empty');
		expect(request).not.toHaveBeenCalled();
	});
});
