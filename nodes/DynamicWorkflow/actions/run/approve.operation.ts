import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { runPath } from '../../../common/transport/paths';
import { sidecarRequest } from '../../../common/transport/request';
import type { RunRecord } from '../../../common/types';
import { runIdProperty } from './common.descriptions';
import { getRunId } from './runId';

const showOnlyForApprove = { resource: ['run'], operation: ['approve'] };

export const description: INodeProperties[] = [
	{ ...runIdProperty, displayOptions: { show: showOnlyForApprove } },
	{
		displayName: 'Approved',
		name: 'approved',
		type: 'boolean',
		default: true,
		description: 'Whether the plan is approved. A run whose plan is not approved is cancelled.',
		displayOptions: { show: showOnlyForApprove },
	},
	{
		displayName: 'Comment',
		name: 'comment',
		type: 'string',
		default: '',
		placeholder: 'e.g. Approved by the on-call reviewer',
		description: 'Kept with the run as the reason for the decision',
		displayOptions: { show: showOnlyForApprove },
	},
];

type ApproveBody = {
	approved: boolean;
	comment?: string;
};

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<RunRecord> {
	const runId = getRunId.call(this, itemIndex);
	const body: ApproveBody = {
		approved: this.getNodeParameter('approved', itemIndex, true) as boolean,
	};
	const comment = (this.getNodeParameter('comment', itemIndex, '') as string).trim();
	if (comment) body.comment = comment;
	return await sidecarRequest<RunRecord>(
		this,
		{ method: 'POST', path: runPath(runId, '/approve'), body },
		itemIndex,
	);
}
