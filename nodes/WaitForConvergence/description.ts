import type { INodeProperties } from 'n8n-workflow';

import { CALLBACK_EVENTS } from '../common/types';

const showOnlyWithTimeLimit = { limitWaitTime: [true] };

export const properties: INodeProperties[] = [
	{
		displayName:
			"Waits for one run per execution: the run of the incoming items (all items must name the same run). A run already in a chosen state passes on at once, without waiting. The sidecar must be able to reach this n8n instance's webhook URL (set WEBHOOK_URL when n8n runs behind a proxy or in a container). On the time limit, the incoming items leave unchanged through Timed Out.",
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Run ID',
		name: 'runId',
		type: 'string',
		required: true,
		default: '={{ $json.id }}',
		description:
			'ID of the run to wait for, as returned by the Start operation of Dynamic Workflow',
	},
	{
		displayName: 'Resume On',
		name: 'events',
		type: 'multiOptions',
		options: [
			{
				name: 'Awaiting Approval',
				value: 'awaiting_approval',
				description:
					'The plan is ready and waits for approval (only runs started with Require Plan Approval)',
			},
			{
				name: 'Cancelled',
				value: 'cancelled',
				description: 'The run was cancelled (Failed output)',
			},
			{ name: 'Converged', value: 'converged', description: 'The run finished with a result' },
			{ name: 'Failed', value: 'failed', description: 'The run failed (Failed output)' },
		],
		default: [...CALLBACK_EVENTS],
		description: 'States of the run that resume the workflow',
	},
	{
		displayName: 'Limit Wait Time',
		name: 'limitWaitTime',
		type: 'boolean',
		default: false,
		description:
			'Whether to stop waiting after some time; the incoming items then leave through Timed Out (checked by n8n about once a minute)',
	},
	{
		displayName: 'Amount',
		name: 'limitAmount',
		type: 'number',
		typeOptions: { minValue: 1, numberPrecision: 0 },
		default: 1,
		description: 'How long to wait at most',
		displayOptions: { show: showOnlyWithTimeLimit },
	},
	{
		displayName: 'Unit',
		name: 'limitUnit',
		type: 'options',
		options: [
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
		],
		default: 'hours',
		description: 'Unit of the amount',
		displayOptions: { show: showOnlyWithTimeLimit },
	},
];
