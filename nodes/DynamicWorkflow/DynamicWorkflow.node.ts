import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import * as run from './actions/run/Run.resource';
import { router } from './actions/router';

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
		usableAsTool: true,
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

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
