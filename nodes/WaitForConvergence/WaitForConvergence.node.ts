import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { properties } from './description';
import { waitForConvergence } from './execute';
import { OUTPUT_NAMES } from './outputs';
import { resumeFromCallback } from './webhook';

// Two rules do not fit a wait-style node:
// - webhook-lifecycle-complete: its webhook is n8n's per-execution resume URL, handed to the
//   sidecar at run time. Nothing is registered with a third-party service when the workflow
//   is activated, so there is no webhookMethods lifecycle (checkExists/create/delete) to write.
// - node-usable-as-tool: waiting puts the whole execution to sleep until a callback arrives,
//   which an AI agent's tool call cannot do, and `usableAsTool` has no `false` value to say so.
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete, @n8n/community-nodes/node-usable-as-tool
export class WaitForConvergence implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Wait for Convergence',
		name: 'waitForConvergence',
		icon: { light: 'file:waitForConvergence.svg', dark: 'file:waitForConvergence.dark.svg' },
		group: ['organization'],
		version: 1,
		subtitle:
			'={{$parameter["runs"] === "allItems" ? "runs of all items: " + $parameter["resumeWhen"] : "run " + $parameter["runId"]}}',
		description:
			'Wait, without holding a worker, until a dynamic workflow run (or the runs of all items) converges, fails or awaits approval',
		defaults: {
			name: 'Wait for Convergence',
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: OUTPUT_NAMES.map(() => NodeConnectionTypes.Main),
		outputNames: OUTPUT_NAMES,
		credentials: [
			{
				name: 'dynamicWorkflowsApi',
				required: true,
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// The sidecar needs no answer beyond the status code.
				responseData: 'noData',
				path: '',
				restartWebhook: true,
				isFullPath: true,
			},
		],
		waitingNodeTooltip:
			'Waiting for the dynamic workflow run to converge, fail or ask for approval',
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await waitForConvergence.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeFromCallback.call(this);
	}
}
