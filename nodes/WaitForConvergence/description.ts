import type { INodeProperties } from 'n8n-workflow';

import { CALLBACK_EVENTS } from '../common/types';

const showOnlyWithTimeLimit = { limitWaitTime: [true] };
const showOnlyForFanIn = { runs: ['allItems'] };
const showOnlyForAnyN = { runs: ['allItems'], resumeWhen: ['any'] };

export const properties: INodeProperties[] = [
	{
		displayName:
			"Waits for the run of the incoming items (all must name the same run), or with Runs set to fan-in for the runs of all incoming items, resuming once with one item per run. Runs already in a chosen state pass on at once, without waiting. The sidecar must be able to reach this n8n instance's webhook URL (set WEBHOOK_URL when n8n runs behind a proxy or in a container). On the time limit, the incoming items leave unchanged through Timed Out.",
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Runs',
		name: 'runs',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: "All Input Items' Runs (Fan-In)",
				value: 'allItems',
				description:
					'Wait for the run of every incoming item and resume once, with one item per run on the output of its state',
			},
			{
				name: "This Item's Run",
				value: 'thisItem',
				description: 'Wait for one run, the one all incoming items name',
			},
		],
		default: 'thisItem',
		description: 'Which runs to wait for',
	},
	{
		displayName: 'Run ID',
		name: 'runId',
		type: 'string',
		required: true,
		default: '={{ $json.id }}',
		description:
			'ID of the run to wait for, as returned by the Start operation of Dynamic Workflow (for fan-in: evaluated for each item)',
	},
	{
		displayName: 'Resume When',
		name: 'resumeWhen',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'All Have Ended',
				value: 'all',
				description: 'Every run is in a state of Resume On',
			},
			{
				name: 'Any N Have Ended',
				value: 'any',
				description:
					'Number of Runs of them are in a state of Resume On; the others leave through Timed Out with their current status',
			},
			{
				name: 'The First Converges',
				value: 'first',
				description:
					'One run converged (the others leave through Timed Out with their current status, or Failed if they failed); if every run ends without converging, all of them',
			},
		],
		default: 'all',
		description: 'When the fan-in wait resumes',
		displayOptions: { show: showOnlyForFanIn },
	},
	{
		displayName: 'Number of Runs',
		name: 'count',
		type: 'number',
		typeOptions: { minValue: 1, numberPrecision: 0 },
		default: 1,
		description: 'How many runs must have ended to resume',
		displayOptions: { show: showOnlyForAnyN },
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
