import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { runPath } from '../../../common/transport/paths';
import { sidecarRequest } from '../../../common/transport/request';
import { runIdProperty } from './common.descriptions';
import { getRunId } from './runId';

const showOnlyForGetScript = { resource: ['run'], operation: ['getScript'] };

export const description: INodeProperties[] = [
	{ ...runIdProperty, displayOptions: { show: showOnlyForGetScript } },
];

export type RunScript = {
	id: string;
	script: string;
};

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<RunScript> {
	const runId = getRunId.call(this, itemIndex);
	const script = await sidecarRequest<string>(
		this,
		{ method: 'GET', path: runPath(runId, '/script'), text: true },
		itemIndex,
	);
	return { id: runId, script };
}
