import { execute } from '../../../../../nodes/DynamicWorkflow/actions/run/list.operation';
import { sidecarRequest } from '../../../../../nodes/common/transport/request';
import type { RunList } from '../../../../../nodes/common/types';
import { fakeExecuteContext, type ParameterValue } from '../../../support/fake-execute-context';

jest.mock('../../../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

/** A sidecar holding `total` runs, served newest first in pages of at most `limit`. */
function serveRuns(total: number) {
	request.mockImplementation(async (_ctx, req) => {
		const qs = req.qs ?? {};
		const from = qs.cursor ? Number(qs.cursor) : 0;
		const to = Math.min(total, from + Number(qs.limit));
		const runs = Array.from({ length: to - from }, (_, i) => ({ id: `run-${from + i}` }));
		const page = { runs, nextCursor: to < total ? String(to) : null } as unknown as RunList;
		return page;
	});
}

const list = (params: Record<string, ParameterValue>) =>
	execute.call(
		fakeExecuteContext({ params: { returnAll: false, limit: 50, filters: {}, ...params } }),
		0,
	);

beforeEach(() => request.mockReset());

describe('List', () => {
	it('returns up to the limit in one request, with the status filter', async () => {
		serveRuns(100);

		const runs = await list({ limit: 7, filters: { status: 'failed' } });

		expect(runs.map((r) => r.id)).toEqual([
			'run-0',
			'run-1',
			'run-2',
			'run-3',
			'run-4',
			'run-5',
			'run-6',
		]);
		expect(request).toHaveBeenCalledTimes(1);
		expect(request.mock.calls[0][1]).toEqual({
			method: 'GET',
			path: '/v1/runs',
			qs: { limit: 7, status: 'failed' },
		});
	});

	it('with Return All, follows the cursor through every page', async () => {
		serveRuns(1234);

		const runs = await list({ returnAll: true });

		expect(runs).toHaveLength(1234);
		expect(new Set(runs.map((r) => r.id)).size).toBe(1234);
		expect(request.mock.calls.map((c) => c[1].qs)).toEqual([
			{ limit: 500 },
			{ limit: 500, cursor: '500' },
			{ limit: 500, cursor: '1000' },
		]);
	});

	it('stops on an empty page even if a cursor came with it', async () => {
		request.mockResolvedValue({ runs: [], nextCursor: 'again' });

		expect(await list({ returnAll: true })).toEqual([]);
		expect(request).toHaveBeenCalledTimes(1);
	});
});
