import * as approve from '../../../../../nodes/DynamicWorkflow/actions/run/approve.operation';
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

describe('Approve', () => {
	it('posts the decision with its comment', async () => {
		const ctx = context({ runId: 'r1', approved: false, comment: ' too expensive ' });

		await approve.execute.call(ctx, 0);

		expect(request).toHaveBeenCalledWith(
			ctx,
			{
				method: 'POST',
				path: '/v1/runs/r1/approve',
				body: { approved: false, comment: 'too expensive' },
			},
			0,
		);
	});

	it('approves without a comment field when none is given', async () => {
		await approve.execute.call(context({ runId: 'r1', approved: true, comment: '' }), 0);

		expect(request.mock.calls[0][1].body).toEqual({ approved: true });
	});
});
