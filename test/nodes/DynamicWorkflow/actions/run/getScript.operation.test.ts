import * as getScript from '../../../../../nodes/DynamicWorkflow/actions/run/getScript.operation';
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

describe('Get Script', () => {
	it('returns the script text with the run ID', async () => {
		const ctx = context({ runId: 'r1' });

		expect(await getScript.execute.call(ctx, 0)).toEqual({ id: 'r1', script: 'return 1;' });
		expect(request).toHaveBeenCalledWith(
			ctx,
			{ method: 'GET', path: '/v1/runs/r1/script', text: true },
			0,
		);
	});
});
