import type { INode, IRun } from 'n8n-workflow';

import { FakeSidecar, type RecordedRequest, type Reply } from '../support/fake-sidecar';
import { createHarness, outputsOf, runWorkflow } from '../support/n8n-core-harness';

const TOKEN = 'test-token-0123456789';
const SCRIPT = "phase('scan');\nreturn { ok: true };\n";

/** A sidecar with runs r-0 … r-6 (r-3 over budget) that pages its list two at a time. */
function sidecarHandler(request: RecordedRequest): Reply {
	const url = new URL(request.url, 'http://sidecar');
	if (request.headers.authorization !== `Bearer ${TOKEN}`) {
		return {
			status: 401,
			body: { error: { code: 'unauthorized', message: 'Missing or invalid bearer token' } },
		};
	}
	if (url.pathname === '/v1/runs' && request.method === 'POST')
		return { status: 201, body: { id: 'r-new', status: 'queued' } };
	if (url.pathname === '/v1/runs' && request.method === 'GET') {
		const from = Number(url.searchParams.get('cursor') ?? 0);
		const to = Math.min(7, from + Math.min(2, Number(url.searchParams.get('limit'))));
		const runs = Array.from({ length: to - from }, (_, i) => ({
			id: `r-${from + i}`,
			status: 'converged',
		}));
		return { status: 200, body: { runs, nextCursor: to < 7 ? String(to) : null } };
	}
	const script = url.pathname.match(/^\/v1\/runs\/([^/]+)\/script$/);
	if (script) return { status: 200, body: SCRIPT, contentType: 'text/javascript' };
	const run = url.pathname.match(/^\/v1\/runs\/([^/]+)$/);
	if (run && run[1] === 'r-3') {
		return {
			status: 422,
			body: {
				error: {
					code: 'budget_usd',
					message: 'USD budget exhausted: $25.0100 of $25 spent (maxUsd)',
				},
			},
		};
	}
	if (run) return { status: 200, body: { id: run[1], status: 'running' } };
	return { status: 404, body: { error: { code: 'not_found', message: 'No such route' } } };
}

function twoNodeWorkflow(
	items: object[],
	parameters: INode['parameters'],
	onError?: INode['onError'],
): INode[] {
	return [
		{
			id: 's',
			name: 'Source',
			type: 'test.source',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: items as unknown as string },
		},
		{
			id: 'd',
			name: 'Dynamic Workflow',
			type: 'n8n-nodes-dynamic-workflows.dynamicWorkflow',
			typeVersion: 1,
			position: [200, 0],
			parameters: { resource: 'run', ...parameters },
			onError,
			credentials: { dynamicWorkflowsApi: { id: 'cred-1', name: 'Sidecar' } },
		},
	];
}

const connections = {
	Source: { main: [[{ node: 'Dynamic Workflow', type: 'main' as const, index: 0 }]] },
};

describe('Dynamic Workflow through n8n-core, over real HTTP', () => {
	let sidecar: FakeSidecar;
	let baseUrl: string;

	beforeEach(async () => {
		sidecar = new FakeSidecar(sidecarHandler);
		baseUrl = await sidecar.start();
	});

	afterEach(async () => {
		await sidecar.stop();
	});

	async function run(nodes: INode[], token = TOKEN): Promise<IRun> {
		return await runWorkflow(
			createHarness(nodes, connections, { baseUrl: `${baseUrl}/`, token }),
			'Source',
		);
	}

	it('starts a run with its input taken from the item by an expression', async () => {
		const body = { task: 'Audit', input: { files: ['a.ts'], depth: 2 } };
		const done = await run(
			twoNodeWorkflow([{ body }], {
				operation: 'start',
				task: '={{ $json.body.task }}',
				inputSource: 'json',
				input: '={{ $json.body.input }}',
				tools: ['read_file', 'grep'],
				limits: { maxUsd: 3 },
			}),
		);

		expect(done.status).toBe('success');
		expect(outputsOf(done, 'Dynamic Workflow')[0].map((i) => i.json)).toEqual([
			{ id: 'r-new', status: 'queued' },
		]);
		expect(sidecar.requests[0].body).toEqual({
			task: 'Audit',
			input: { files: ['a.ts'], depth: 2 },
			options: { approvePlan: false, tools: ['read_file', 'grep'], limits: { maxUsd: 3 } },
		});
	});

	it('gets the script of a run as text', async () => {
		const done = await run(
			twoNodeWorkflow([{ id: 'r-1' }], { operation: 'getScript', runId: '={{ $json.id }}' }),
		);

		expect(done.status).toBe('success');
		expect(outputsOf(done, 'Dynamic Workflow')[0].map((i) => i.json)).toEqual([
			{ id: 'r-1', script: SCRIPT },
		]);
	});

	it('lists every run by following the cursor', async () => {
		const done = await run(twoNodeWorkflow([{}], { operation: 'list', returnAll: true }));

		expect(outputsOf(done, 'Dynamic Workflow')[0].map((i) => i.json.id)).toEqual([
			'r-0',
			'r-1',
			'r-2',
			'r-3',
			'r-4',
			'r-5',
			'r-6',
		]);
		expect(sidecar.requests.map((r) => r.url)).toEqual([
			'/v1/runs?limit=500',
			'/v1/runs?limit=500&cursor=2',
			'/v1/runs?limit=500&cursor=4',
			'/v1/runs?limit=500&cursor=6',
		]);
	});

	it("fails the execution with the sidecar's error message and the item it failed on", async () => {
		const done = await run(
			twoNodeWorkflow([{ id: 'r-2' }, { id: 'r-3' }], {
				operation: 'get',
				runId: '={{ $json.id }}',
			}),
		);

		expect(done.status).toBe('error');
		const error = done.data.resultData.error!;
		expect(error.message).toBe('USD budget exhausted: $25.0100 of $25 spent (maxUsd)');
		expect(error.description).toContain('budget_usd');
		expect(error.context?.itemIndex).toBe(1);
	});

	it('with Continue On Fail, outputs the error and code for the failed item only', async () => {
		const done = await run(
			twoNodeWorkflow(
				[{ id: 'r-2' }, { id: 'r-3' }],
				{ operation: 'get', runId: '={{ $json.id }}' },
				'continueRegularOutput',
			),
		);

		expect(done.status).toBe('success');
		expect(outputsOf(done, 'Dynamic Workflow')[0].map((i) => i.json)).toEqual([
			{ id: 'r-2', status: 'running' },
			{ error: 'USD budget exhausted: $25.0100 of $25 spent (maxUsd)', code: 'budget_usd' },
		]);
	});

	it("reports a wrong token with the sidecar's unauthorized code", async () => {
		const done = await run(
			twoNodeWorkflow([{ id: 'r-1' }], { operation: 'get', runId: 'r-1' }, 'continueRegularOutput'),
			'wrong-token',
		);

		expect(outputsOf(done, 'Dynamic Workflow')[0][0].json).toEqual({
			error: 'Missing or invalid bearer token',
			code: 'unauthorized',
		});
	});
});
