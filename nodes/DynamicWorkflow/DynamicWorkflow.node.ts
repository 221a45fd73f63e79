import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import * as run from './actions/run/Run.resource';
import {
	MAX_WAIT_DEFAULT_MINUTES,
	MAX_WAIT_LIMIT_MINUTES,
} from './actions/run/runAndWait.operation';
import { router } from './actions/router';
import { getSavedWorkflows } from './methods/loadOptions';

/**
 * What n8n shows as the tool node's description and takes as the default of its manual Tool
 * Description. With "Set Automatically" n8n describes the tool by the chosen operation's
 * action instead ("Run a task with AI subagents and wait for its result in Dynamic Workflow").
 */
export const TOOL_DESCRIPTION =
	'Runs a task as a dynamic workflow: Claude plans an orchestration script and a sidecar fans it out to AI subagents, then the tool returns the result. ' +
	'Input: task (what to achieve, in plain words) and input (JSON data the task works on). ' +
	`It may take up to Max Wait (default ${MAX_WAIT_DEFAULT_MINUTES}, at most ${MAX_WAIT_LIMIT_MINUTES} minutes); a run still going is returned with timedOut: true and a runId to fetch later. ` +
	'It spends model tokens (usage and cost are in the answer), within the limits set on the node. ' +
	'A failed run is returned with status "failed" and its error.';

export class DynamicWorkflow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dynamic Workflow',
		name: 'dynamicWorkflow',
		icon: { light: 'file:dynamicWorkflow.svg', dark: 'file:dynamicWorkflow.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Start and manage dynamic workflows: Claude writes an orchestration script and a sidecar fans it out to verified subagents',
		defaults: {
			name: 'Dynamic Workflow',
		},
		usableAsTool: { replacements: { description: TOOL_DESCRIPTION } },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'dynamicWorkflowsApi',
				required: true,
			},
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Run',
						value: 'run',
					},
				],
				default: 'run',
			},
			...run.description,
		],
	};

	methods = {
		loadOptions: { getSavedWorkflows },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
