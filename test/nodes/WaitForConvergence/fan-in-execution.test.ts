import type { INode } from 'n8n-workflow';

import { OUTPUT, OUTPUT_NAMES } from '../../../nodes/WaitForConvergence/outputs';
import { signCallback } from '../../../nodes/WaitForConvergence/signature';
import { FakeSidecar, type RecordedRequest, type Reply } from '../support/fake-sidecar';
import {
	WAITING_BASE_URL,
	callWaitingWebhook,
	createHarness,
	outputsOf,
	resumeAfterTimeLimit,
	resumeWithWebhookData,
	runWorkflow,
	type Harness,
} from '../support/n8n-core-harness';

const TOKEN = 'test-token-0123456789';
const WAIT_PATH = new URL(`${WAITING_BASE_URL}/exec-1`).pathname;
const USAGE = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 };
const TASKS = ['first', 'second', 'third'];

function runRecord(id: string, status: string) {
	return { id, status, phase: null, result: null, error: null, usage: USAGE };
}

/** What POST /v1/callbacks answers: still open, or (condition already met) the runs. */
let groupAnswer: object;
let started = 0;

function sidecarHandler(request: RecordedRequest): Reply {
	if (request.method === 'POST' && request.url === '/v1/runs')
		return { status: 201, body: runRecord(`run-${++started}`, 'queued') };
	if (request.method === 'POST' && request.url === '/v1/callbacks')
		return { status: groupAnswer && 'payload' in groupAnswer ? 200 : 201, body: groupAnswer };
	return {
		status: 404,
		body: { error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } },
	};
}

function workflowNodes(waitParameters: Record<string, unknown>): INode[] {
	const credentials = { dynamicWorkflowsApi: { id: 'cred-1', name: 'Sidecar' } };
	const sink = (name: string): INode => ({
		id: name,
		name,
		type: 'test.sink',
		typeVersion: 1,
		position: [600, 0],
		parameters: {},
	});
	return [
		{
			id: 'source',
			name: 'Source',
			type: 'test.source',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: TASKS.map((task) => ({ task })) as unknown as string },
		},
		{
			id: 'start',
			name: 'Start Run',
			type: 'n8n-nodes-dynamic-workflows.dynamicWorkflow',
			typeVersion: 1,
			position: [200, 0],
			credentials,
			parameters: {
				resource: 'run',
				operation: 'start',
				task: '={{ $json.task }}',
				inputSource: 'item',
			},
		},
		{
			id: 'wait',
			name: 'Wait',
			type: 'n8n-nodes-dynamic-workflows.waitForConvergence',
			typeVersion: 1,
			position: [400, 0],
			credentials,
			parameters: {
				runs: 'allItems',
				runId: '={{ $json.id }}',
				limitWaitTime: true,
				limitAmount: 5,
				limitUnit: 'minutes',
				...waitParameters,
			} as INode['parameters'],
		},
		sink('On Timed Out'),
		sink('On Converged'),
		sink('On Failed'),
		sink('On Awaiting Approval'),
	];
}

const to = (node: string) => [{ node, type: 'main' as const, index: 0 }];

function waitOutputs() {
	const main = OUTPUT_NAMES.map(() => [] as ReturnType<typeof to>);
	main[OUTPUT.timedOut] = to('On Timed Out');
	main[OUTPUT.converged] = to('On Converged');
	main[OUTPUT.failed] = to('On Failed');
	main[OUTPUT.awaitingApproval] = to('On Awaiting Approval');
	return main;
}

const connections = {
	Source: { main: [to('Start Run')] },
	'Start Run': { main: [to('Wait')] },
	Wait: { main: waitOutputs() },
};

const RUN_IDS = ['run-1', 'run-2', 'run-3'];

function signed(body: object) {
	const rawBody = Buffer.from(JSON.stringify(body));
	const timestamp = String(Date.now());
	return {
		headers: {
			'x-dw-timestamp': timestamp,
			'x-dw-signature': signCallback(TOKEN, timestamp, WAIT_PATH, rawBody),
		},
		rawBody,
	};
}

describe('fan-in: Wait for Convergence over the runs of all items, through n8n-core', () => {
	let sidecar: FakeSidecar;
	let baseUrl: string;

	beforeEach(async () => {
		started = 0;
		groupAnswer = { id: 'group-1', met: false, state: 'open' };
		sidecar = new FakeSidecar(sidecarHandler);
		baseUrl = await sidecar.start();
	});
	afterEach(async () => {
		await sidecar.stop();
	});

	const harnessWith = (waitParameters: Record<string, unknown> = {}): Harness =>
		createHarness(workflowNodes(waitParameters), connections, {
			baseUrl,
			token: TOKEN,
			callbackSecret: '',
		});

	it('registers ONE callback for the runs of all items (in item order) and parks the execution once', async () => {
		const run = await runWorkflow(harnessWith({ resumeWhen: 'any', count: 2 }), 'Source');

		expect(run.status).toBe('waiting');
		const registrations = sidecar.requests.filter((r) => r.url === '/v1/callbacks');
		expect(registrations).toHaveLength(1);
		expect(registrations[0].body).toEqual({
			runIds: RUN_IDS,
			wait: 'any',
			count: 2,
			url: `${WAITING_BASE_URL}/exec-1?signature=${run.data.resumeToken}`,
			events: ['converged', 'failed', 'cancelled', 'awaiting_approval'],
			ifAlreadyMet: 'answer',
		});
		expect(
			sidecar.requests.some((r) => r.url.endsWith('/callbacks') && r.url !== '/v1/callbacks'),
		).toBe(false);
	});

	it("the group's callback resumes once with one item per run on its state's output, paired with the item that named it", async () => {
		const harness = harnessWith({ resumeWhen: 'any', count: 2 });
		const waiting = await runWorkflow(harness, 'Source');
		const answer = await callWaitingWebhook(
			harness,
			'Wait',
			waiting,
			signed({
				groupId: 'group-1',
				wait: 'any',
				count: 2,
				runIds: RUN_IDS,
				runs: [
					{ runId: 'run-1', status: 'converged', result: { n: 1 }, usage: USAGE, ended: true },
					{ runId: 'run-2', status: 'running', usage: USAGE, ended: false },
					{
						runId: 'run-3',
						status: 'failed',
						error: { code: 'deadline', message: 'late' },
						usage: USAGE,
						ended: true,
					},
				],
			}),
		);
		expect(answer.statusCode).toBeUndefined();

		// What the node hands n8n: each run on its output, paired with the item that named it.
		const wait = answer.response.workflowData!;
		expect(wait[OUTPUT.converged]).toEqual([
			{
				json: {
					runId: 'run-1',
					status: 'converged',
					result: { n: 1 },
					error: null,
					usage: USAGE,
					ended: true,
					itemIndex: 0,
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(wait[OUTPUT.failed]).toEqual([
			{
				json: {
					runId: 'run-3',
					status: 'failed',
					result: null,
					error: { code: 'deadline', message: 'late' },
					usage: USAGE,
					ended: true,
					itemIndex: 2,
				},
				pairedItem: { item: 2 },
			},
		]);
		expect(wait[OUTPUT.timedOut]).toEqual([
			{
				json: {
					runId: 'run-2',
					status: 'running',
					result: null,
					error: null,
					usage: USAGE,
					ended: false,
					itemIndex: 1,
				},
				pairedItem: { item: 1 },
			},
		]);

		const done = await resumeWithWebhookData(harness, waiting, answer.response.workflowData!);

		expect(done.status).toBe('success');
		expect(outputsOf(done, 'On Converged')[0].map((i) => i.json.runId)).toEqual(['run-1']);
		expect(outputsOf(done, 'On Failed')[0].map((i) => i.json.runId)).toEqual(['run-3']);
		expect(outputsOf(done, 'On Timed Out')[0].map((i) => i.json.runId)).toEqual(['run-2']);
		expect(done.data.resultData.runData['On Awaiting Approval']).toBeUndefined();
		// n8n renumbers paired items of a resumed wait by position; itemIndex still names the input item.
		expect(outputsOf(done, 'On Failed')[0].map((i) => i.json.itemIndex)).toEqual([2]);
	});

	it('runs whose condition already holds go on at once: nothing parked', async () => {
		groupAnswer = {
			met: true,
			payload: {
				groupId: null,
				wait: 'all',
				runIds: RUN_IDS,
				runs: RUN_IDS.map((runId) => ({
					runId,
					status: 'converged',
					result: runId,
					usage: USAGE,
					ended: true,
				})),
			},
		};

		const done = await runWorkflow(harnessWith(), 'Source');

		expect(done.status).toBe('success');
		expect(done.waitTill).toBeUndefined();
		expect(outputsOf(done, 'On Converged')[0].map((i) => i.json.result)).toEqual(RUN_IDS);
		expect(outputsOf(done, 'Wait')[OUTPUT.converged].map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
	});

	it('on the time limit the incoming items leave through Timed Out', async () => {
		const harness = harnessWith();
		const waiting = await runWorkflow(harness, 'Source');

		const done = await resumeAfterTimeLimit(harness, waiting);

		expect(outputsOf(done, 'On Timed Out')[0].map((i) => i.json.id)).toEqual(RUN_IDS);
	});

	it.each([
		['another set of runs', { runIds: ['run-1', 'run-2'] }, 403, 'run_mismatch'],
		['a single-run body', { runId: 'run-1', status: 'converged' }, 400, 'invalid_request'],
	])(
		'a signed callback for %s is refused and resumes nothing',
		async (_label, body, status, code) => {
			const harness = harnessWith();
			const waiting = await runWorkflow(harness, 'Source');
			const runs = 'runIds' in body ? { runs: [] } : {};

			const answer = await callWaitingWebhook(
				harness,
				'Wait',
				waiting,
				signed({ ...body, ...runs }),
			);

			expect(answer.statusCode).toBe(status);
			expect(JSON.parse(answer.body!).error.code).toBe(code);
			expect(answer.response).toEqual({ noWebhookResponse: true });
		},
	);
});
