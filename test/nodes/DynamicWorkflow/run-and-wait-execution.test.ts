import { WorkflowExecute } from 'n8n-core';
import { NodeHelpers, type INode, type INodeTypeDescription } from 'n8n-workflow';

import {
	DynamicWorkflow,
	TOOL_DESCRIPTION,
} from '../../../nodes/DynamicWorkflow/DynamicWorkflow.node';
import { FakeSidecar, type RecordedRequest, type Reply } from '../support/fake-sidecar';
import { createHarness, outputsOf, runWorkflow } from '../support/n8n-core-harness';

const TOKEN = 'test-token-0123456789';
const USAGE = {
	inputTokens: 120,
	outputTokens: 40,
	cacheReadTokens: 0,
	cacheWriteTokens: 0,
	usd: 0.02,
};

/** Starts r-7, which is running for `runningLooks` looks and then converged (or never, with Infinity). */
function sidecarHandler(runningLooks: number) {
	let looks = 0;
	return (request: RecordedRequest): Reply => {
		if (request.headers.authorization !== `Bearer ${TOKEN}`)
			return { status: 401, body: { error: { code: 'unauthorized', message: 'Bad token' } } };
		if (request.method === 'POST' && request.url === '/v1/runs')
			return { status: 201, body: { id: 'r-7', status: 'queued', usage: USAGE } };
		if (request.method === 'GET' && request.url === '/v1/runs/r-7') {
			looks++;
			return looks <= runningLooks
				? { status: 200, body: { id: 'r-7', status: 'running', phase: 'work', usage: USAGE } }
				: {
						status: 200,
						body: {
							id: 'r-7',
							status: 'converged',
							phase: null,
							result: { answer: 42 },
							error: null,
							usage: USAGE,
						},
					};
		}
		if (request.method === 'POST' && request.url === '/v1/runs/r-7/cancel')
			return { status: 200, body: { id: 'r-7', status: 'cancelled' } };
		return { status: 404, body: { error: { code: 'not_found', message: 'No such route' } } };
	};
}

function workflow(parameters: INode['parameters']): INode[] {
	return [
		{
			id: 's',
			name: 'Source',
			type: 'test.source',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: [{ question: 'six times seven' }] as unknown as string },
		},
		{
			id: 'd',
			name: 'Dynamic Workflow',
			type: 'n8n-nodes-dynamic-workflows.dynamicWorkflow',
			typeVersion: 1,
			position: [200, 0],
			parameters: { resource: 'run', operation: 'runAndWait', ...parameters },
			credentials: { dynamicWorkflowsApi: { id: 'cred-1', name: 'Sidecar' } },
		},
	];
}

const connections = {
	Source: { main: [[{ node: 'Dynamic Workflow', type: 'main' as const, index: 0 }]] },
};

describe('Run and Wait through n8n-core, over real HTTP', () => {
	let sidecar: FakeSidecar;
	let baseUrl: string;

	afterEach(async () => {
		await sidecar.stop();
	});

	async function startSidecar(runningLooks: number) {
		sidecar = new FakeSidecar(sidecarHandler(runningLooks));
		baseUrl = await sidecar.start();
	}

	it('starts the run, waits for it and outputs its result, usage and run page', async () => {
		await startSidecar(2);
		const harness = createHarness(
			workflow({ task: 'Answer the question', maxWait: 1 }),
			connections,
			{ baseUrl: `${baseUrl}/`, token: TOKEN },
		);

		const done = await runWorkflow(harness, 'Source');

		expect(done.status).toBe('success');
		const [item] = outputsOf(done, 'Dynamic Workflow')[0];
		expect(item.json).toMatchObject({
			runId: 'r-7',
			status: 'converged',
			result: { answer: 42 },
			error: null,
			usage: USAGE,
			runPage: `${baseUrl}/#/runs/r-7`,
			timedOut: false,
		});
		expect(sidecar.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
			'POST /v1/runs',
			'GET /v1/runs/r-7',
			'GET /v1/runs/r-7',
			'GET /v1/runs/r-7',
		]);
		expect(sidecar.requests[0].body).toEqual({
			task: 'Answer the question',
			input: { question: 'six times seven' },
			options: { approvePlan: false, tools: [] },
		});
	});

	it('stops waiting, without cancelling the run, when the execution is cancelled', async () => {
		await startSidecar(Infinity);
		const { workflow: wf, additionalData } = createHarness(
			workflow({ task: 'Answer the question', maxWait: 60 }),
			connections,
			{ baseUrl, token: TOKEN },
		);

		const execution = new WorkflowExecute(additionalData, 'manual').run({
			workflow: wf,
			startNode: wf.getNode('Source')!,
		});
		const settled = execution.then(
			(run) => run,
			(error: unknown) => error,
		);
		await new Promise((resolve) => setTimeout(resolve, 600));
		const looksBefore = sidecar.requests.filter((r) => r.method === 'GET').length;
		expect(looksBefore).toBeGreaterThanOrEqual(1);
		const cancelledAt = Date.now();
		execution.cancel();
		await settled;
		// Give a node that kept polling time to show it.
		await new Promise((resolve) => setTimeout(resolve, 1_500));

		expect(Date.now() - cancelledAt).toBeLessThan(2_500);
		expect(sidecar.requests.filter((r) => r.method === 'GET').length).toBeLessThanOrEqual(
			looksBefore + 1,
		);
		expect(sidecar.requests.some((r) => r.url.endsWith('/cancel'))).toBe(false);
	});
});

describe('Run and Wait as an AI tool', () => {
	const description = new DynamicWorkflow().description;

	it('tells the calling model what the tool does, takes, how long it may take and what it costs', () => {
		expect(description.usableAsTool).toEqual({ replacements: { description: TOOL_DESCRIPTION } });
		expect(TOOL_DESCRIPTION).toMatch(/task/);
		expect(TOOL_DESCRIPTION).toMatch(/input/);
		expect(TOOL_DESCRIPTION).toMatch(/up to Max Wait \(default 5, at most 60 minutes\)/);
		expect(TOOL_DESCRIPTION).toMatch(/spends model tokens/);
	});

	it("gets n8n's automatic tool description from the operation's action", () => {
		const node = {
			parameters: { resource: 'run', operation: 'runAndWait', descriptionType: 'auto' },
		} as unknown as INode;

		expect(
			NodeHelpers.getToolDescriptionForNode(node, {
				description: description as INodeTypeDescription,
			} as never),
		).toBe('Run a task with AI subagents and wait for its result in Dynamic Workflow');
	});
});
