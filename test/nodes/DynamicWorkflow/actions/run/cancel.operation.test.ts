import * as cancel from '../../../../../nodes/DynamicWorkflow/actions/run/cancel.operation';
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

describe('Cancel', () => {
	it('posts to the cancel route of the run', async () => {
		const ctx = context({ runId: 'r1' });

		await cancel.execute.call(ctx, 0);

		expect(request).toHaveBeenCalledWith(
			ctx,
			{ method: 'POST', path: '/v1/runs/r1/cancel', body: {} },
			0,
		);
	});
});
