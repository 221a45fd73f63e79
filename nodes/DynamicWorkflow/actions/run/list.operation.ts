import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { sidecarRequest } from '../../../common/transport/request';
import { RUN_STATUSES, type RunList, type RunRecord } from '../../../common/types';

const showOnlyForList = { resource: ['run'], operation: ['list'] };
const showOnlyForListWithLimit = { ...showOnlyForList, returnAll: [false] };

/** The largest page the sidecar serves (GET /v1/runs `limit`). */
const MAX_PAGE = 500;

const STATUS_NAMES: Record<(typeof RUN_STATUSES)[number], string> = {
	queued: 'Queued',
	planning: 'Planning',
	awaiting_approval: 'Awaiting Approval',
	running: 'Running',
	converged: 'Converged',
	failed: 'Failed',
	cancelled: 'Cancelled',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: showOnlyForList },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1, maxValue: MAX_PAGE },
		description: 'Max number of results to return',
		displayOptions: { show: showOnlyForListWithLimit },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: showOnlyForList },
		options: [
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: RUN_STATUSES.map((value) => ({ name: STATUS_NAMES[value], value })),
				default: 'running',
				description: 'Only runs in this state',
			},
		],
	},
];

/** Runs newest first; with Return All, every page by following the sidecar's cursor. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<RunRecord[]> {
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Infinity : (this.getNodeParameter('limit', itemIndex, 50) as number);
	const filters = this.getNodeParameter('filters', itemIndex, {}) as { status?: string };

	const runs: RunRecord[] = [];
	let cursor: string | null = null;
	do {
		const qs: IDataObject = { limit: Math.min(MAX_PAGE, limit - runs.length) };
		if (filters.status) qs.status = filters.status;
		if (cursor) qs.cursor = cursor;
		const page: RunList = await sidecarRequest<RunList>(
			this,
			{ method: 'GET', path: '/v1/runs', qs },
			itemIndex,
		);
		runs.push(...page.runs);
		cursor = page.runs.length ? page.nextCursor : null;
	} while (cursor && runs.length < limit);
	return runs.slice(0, limit);
}
