import type { INodeProperties } from 'n8n-workflow';

import * as approve from './approve.operation';
import * as cancel from './cancel.operation';
import * as get from './get.operation';
import * as getScript from './getScript.operation';
import * as list from './list.operation';
import * as rerun from './rerun.operation';
import * as runAndWait from './runAndWait.operation';
import * as start from './start.operation';

export { approve, cancel, get, getScript, list, rerun, runAndWait, start };

const showOnlyForRuns = { resource: ['run'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: showOnlyForRuns },
		options: [
			{
				name: 'Approve',
				value: 'approve',
				description: 'Approve or reject the plan of a run that awaits approval',
				action: 'Approve a run plan',
			},
			{
				name: 'Cancel',
				value: 'cancel',
				description: 'Stop a run: no new agents, in-flight ones aborted',
				action: 'Cancel a run',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get the status, progress, usage and result of a run',
				action: 'Get a run',
			},
			{
				name: 'Get Script',
				value: 'getScript',
				description: 'Get the orchestration script of a run',
				action: 'Get the script of a run',
			},
			{
				name: 'List',
				value: 'list',
				description: 'List runs, newest first',
				action: 'List runs',
			},
			{
				name: 'Rerun',
				value: 'rerun',
				description:
					"Start a new run from a run's script, or an edited one, reusing the agent calls that did not change",
				action: 'Rerun a run',
			},
			{
				name: 'Run and Wait',
				value: 'runAndWait',
				description: `Start a run and wait for its end, up to Max Wait (default ${runAndWait.MAX_WAIT_DEFAULT_MINUTES}, at most ${runAndWait.MAX_WAIT_LIMIT_MINUTES} minutes). Returns the status, result or error, token usage and cost, and the run page link; a run still going is returned with timedOut: true and goes on. Spends model tokens within the run's limits.`,
				action: 'Run a task with AI subagents and wait for its result',
			},
			{
				name: 'Start',
				value: 'start',
				description:
					'Start a run; it returns at once, use Wait for Convergence to wait for its result',
				action: 'Start a run',
			},
		],
		default: 'start',
	},
	...start.description,
	...runAndWait.description,
	...get.description,
	...getScript.description,
	...cancel.description,
	...approve.description,
	...rerun.description,
	...list.description,
];
