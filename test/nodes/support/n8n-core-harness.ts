import { ExecutionLifecycleHooks, WebhookContext, WorkflowExecute } from 'n8n-core';
import {
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { DynamicWorkflowsApi } from '../../../credentials/DynamicWorkflowsApi.credentials';
import { DynamicWorkflow } from '../../../nodes/DynamicWorkflow/DynamicWorkflow.node';
import { WaitForConvergence } from '../../../nodes/WaitForConvergence/WaitForConvergence.node';

/** Emits the items given in its `items` parameter: the start of a test workflow. */
class SourceNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Source',
		name: 'source',
		group: ['input'],
		version: 1,
		description: 'Test source',
		defaults: { name: 'Source' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getNodeParameter('items', 0) as IDataObject[];
		return [items.map((json) => ({ json, pairedItem: { item: 0 } }))];
	}
}

/** Passes its input on: the end of a branch, so a test can see what reached it. */
class SinkNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sink',
		name: 'sink',
		group: ['output'],
		version: 1,
		description: 'Test sink',
		defaults: { name: 'Sink' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

const NODE_TYPES: Record<string, INodeType> = {
	'test.source': new SourceNode(),
	'test.sink': new SinkNode(),
	'n8n-nodes-dynamic-workflows.dynamicWorkflow': new DynamicWorkflow(),
	'n8n-nodes-dynamic-workflows.waitForConvergence': new WaitForConvergence(),
};

export const nodeTypes: INodeTypes = {
	getByName: (type) => NODE_TYPES[type],
	getByNameAndVersion: (type) => NODE_TYPES[type],
	getKnownTypes: () => ({}),
};

/**
 * n8n's CredentialsHelper for one stored credential: hands it out decrypted and applies the
 * credential type's generic `authenticate` (its `{{$credentials.x}}` header templates) the way
 * n8n does, so requests carry the real Authorization header.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	private readonly type = new DynamicWorkflowsApi();

	constructor(private readonly credentials: ICredentialDataDecryptedObject) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		data: ICredentialDataDecryptedObject,
		_type: string,
		options: IHttpRequestOptions | IRequestOptionsSimplified,
	): Promise<IHttpRequestOptions> {
		const headers: IDataObject = { ...(options.headers ?? {}) };
		for (const [name, template] of Object.entries(
			this.type.authenticate.properties.headers ?? {},
		)) {
			headers[name] = String(template)
				.replace(/^=/, '')
				.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_m, key: string) =>
					String(data[key] ?? ''),
				);
		}
		return { ...(options as IHttpRequestOptions), headers };
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by these nodes');
	}

	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		return { ...this.credentials };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return this.type.properties;
	}
}

export type Harness = {
	workflow: Workflow;
	additionalData: IWorkflowExecuteAdditionalData;
};

export const WAITING_BASE_URL = 'http://n8n.test/webhook-waiting';

export function createHarness(
	nodes: INode[],
	connections: Workflow['connectionsBySourceNode'],
	credentials: ICredentialDataDecryptedObject,
): Harness {
	const workflow = new Workflow({
		id: 'wf-test',
		name: 'test',
		nodes,
		connections,
		active: false,
		nodeTypes,
		settings: { executionOrder: 'v1' },
	});
	const additionalData = {
		credentialsHelper: new TestCredentialsHelper(credentials),
		hooks: new ExecutionLifecycleHooks('manual', 'exec-1', {
			id: 'wf-test',
			name: 'test',
			active: false,
			activeVersionId: null,
			isArchived: false,
			createdAt: new Date(),
			updatedAt: new Date(),
			nodes,
			connections,
		}),
		executionId: 'exec-1',
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://n8n.test/rest',
		instanceBaseUrl: 'http://n8n.test',
		formBaseUrl: 'http://n8n.test/form',
		formWaitingBaseUrl: 'http://n8n.test/form-waiting',
		formTestBaseUrl: 'http://n8n.test/form-test',
		webhookBaseUrl: 'http://n8n.test/webhook',
		webhookWaitingBaseUrl: WAITING_BASE_URL,
		webhookTestBaseUrl: 'http://n8n.test/webhook-test',
		mcpBaseUrl: 'http://n8n.test/mcp',
		mcpTestBaseUrl: 'http://n8n.test/mcp-test',
		variables: {},
		logAiEvent: () => undefined,
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
	} as unknown as IWorkflowExecuteAdditionalData;
	return { workflow, additionalData };
}

/** Runs the workflow from its start node until it finishes or is put to wait. */
export async function runWorkflow(
	{ workflow, additionalData }: Harness,
	startNode: string,
): Promise<IRun> {
	const start = workflow.getNode(startNode);
	if (!start) throw new Error(`No node ${startNode}`);
	return await new WorkflowExecute(additionalData, 'manual').run({ workflow, startNode: start });
}

/**
 * Resumes a waiting execution as n8n's WaitTracker does when the wait time is over: the
 * stored execution data is processed again, and n8n-core decides what the waiting node passes on.
 */
export async function resumeAfterTimeLimit(
	{ workflow, additionalData }: Harness,
	run: IRun,
): Promise<IRun> {
	const data = structuredClone(run.data) as IRunExecutionData;
	return await new WorkflowExecute(additionalData, 'manual', data).processRunExecutionData(
		workflow,
	);
}

export type CallbackRequest = {
	headers: Record<string, string>;
	rawBody: Buffer;
};

export type CallbackAnswer = {
	response: IWebhookResponseData;
	statusCode: number | undefined;
	body: string | undefined;
};

/** Calls the waiting node's webhook() through n8n-core's real WebhookContext. */
export async function callWaitingWebhook(
	{ workflow, additionalData }: Harness,
	nodeName: string,
	run: IRun,
	request: CallbackRequest,
): Promise<CallbackAnswer> {
	const node = workflow.getNode(nodeName);
	if (!node) throw new Error(`No node ${nodeName}`);
	const answer: CallbackAnswer = { response: {}, statusCode: undefined, body: undefined };
	const res = {
		writeHead(status: number) {
			answer.statusCode = status;
			return res;
		},
		end(body: string) {
			answer.body = body;
			return res;
		},
	};
	const req = {
		headers: request.headers,
		rawBody: request.rawBody,
		body: JSON.parse(request.rawBody.toString('utf8')) as IDataObject,
		query: {},
		params: {},
	};
	const webhookData = {
		httpMethod: 'POST',
		node: node.name,
		path: '',
		webhookDescription: { name: 'default', httpMethod: 'POST', path: '', restartWebhook: true },
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
	} as unknown as IWebhookData;
	const data = {
		...additionalData,
		httpRequest: req,
		httpResponse: res,
	} as unknown as IWorkflowExecuteAdditionalData;
	const context = new WebhookContext(workflow, node, data, 'manual', webhookData, [], run.data);
	const nodeType = nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	if (!nodeType.webhook) throw new Error(`${node.type} has no webhook()`);
	answer.response = await nodeType.webhook.call(context);
	return answer;
}

/**
 * Resumes a waiting execution with what the node's webhook() returned, as n8n's
 * WaitingWebhooks does: the waiting node is disabled and forwards all outputs it was given.
 */
export async function resumeWithWebhookData(
	{ workflow, additionalData }: Harness,
	run: IRun,
	workflowData: INodeExecutionData[][],
): Promise<IRun> {
	const data = structuredClone(run.data) as IRunExecutionData;
	data.waitTill = undefined;
	const entry = data.executionData!.nodeExecutionStack[0];
	entry.node.disabled = true;
	entry.data.main = workflowData;
	entry.metadata = { ...entry.metadata, forwardAllOutputs: true };
	return await new WorkflowExecute(additionalData, 'manual', data).processRunExecutionData(
		workflow,
	);
}

/** Items a node output on each of its outputs in its last run. */
export function outputsOf(run: IRun, nodeName: string): INodeExecutionData[][] {
	const runs = run.data.resultData.runData[nodeName] ?? [];
	const last = runs[runs.length - 1];
	return (last?.data?.main ?? []).map((items) => items ?? []);
}
