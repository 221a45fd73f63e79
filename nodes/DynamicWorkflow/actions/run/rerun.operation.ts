import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { runPath } from '../../../common/transport/paths';
import { sidecarRequest } from '../../../common/transport/request';
import type { RerunBody, RunRecord } from '../../../common/types';
import { runIdProperty } from './common.descriptions';
import { getJsonParameter } from './jsonParameter';
import { getRunId } from './runId';

const showOnlyForRerun = { resource: ['run'], operation: ['rerun'] };

export const description: INodeProperties[] = [
	{ ...runIdProperty, displayOptions: { show: showOnlyForRerun } },
	{
		displayName: 'Options',
		name: 'rerunOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showOnlyForRerun },
		options: [
			{
				displayName: 'Edited Script',
				name: 'script',
				type: 'string',
				default: '',
				description:
					"Run this script instead of the original run's. Agent calls that did not change are reused from the original run's journal, not paid again.",
				typeOptions: { editor: 'jsEditor', rows: 12 },
			},
			{
				displayName: 'Input JSON',
				name: 'input',
				type: 'json',
				default: '{}',
				description: "New args for the script; without it the original run's input is used",
			},
		],
	},
];

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<RunRecord> {
	const runId = getRunId.call(this, itemIndex);
	const options = this.getNodeParameter('rerunOptions', itemIndex, {}) as {
		script?: string;
		input?: unknown;
	};
	const body: RerunBody = {};
	if (options.script?.trim()) body.script = options.script;
	if (options.input !== undefined) {
		body.input = getJsonParameter.call(this, 'rerunOptions.input', 'Input JSON', itemIndex);
	}
	return await sidecarRequest<RunRecord>(
		this,
		{ method: 'POST', path: runPath(runId, '/rerun'), body },
		itemIndex,
	);
}
