import * as rerun from '../../../../../nodes/DynamicWorkflow/actions/run/rerun.operation';
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

describe('Rerun', () => {
	it("reruns the run's own script when no edited script is given", async () => {
		const ctx = context({ runId: 'r1', rerunOptions: {} });

		await rerun.execute.call(ctx, 0);

		expect(request).toHaveBeenCalledWith(
			ctx,
			{ method: 'POST', path: '/v1/runs/r1/rerun', body: {} },
			0,
		);
	});

	it('sends an edited script and new input', async () => {
		await rerun.execute.call(
			context({ runId: 'r1', rerunOptions: { script: 'return 2;', input: '{"n": 2}' } }),
			0,
		);

		expect(request.mock.calls[0][1].body).toEqual({ script: 'return 2;', input: { n: 2 } });
	});
});
