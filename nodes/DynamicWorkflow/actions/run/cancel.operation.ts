import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { runPath } from '../../../common/transport/paths';
import { sidecarRequest } from '../../../common/transport/request';
import type { RunRecord } from '../../../common/types';
import { runIdProperty } from './common.descriptions';
import { getRunId } from './runId';

const showOnlyForCancel = { resource: ['run'], operation: ['cancel'] };

export const description: INodeProperties[] = [
	{ ...runIdProperty, displayOptions: { show: showOnlyForCancel } },
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<RunRecord> {
	const runId = getRunId.call(this, itemIndex);
	return await sidecarRequest<RunRecord>(
		this,
		{ method: 'POST', path: runPath(runId, '/cancel'), body: {} },
		itemIndex,
	);
}
