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
/** The path of the resume URL the Wait node registers in these executions. */
const WAIT_PATH = new URL(`${WAITING_BASE_URL}/exec-1`).pathname;

function runRecord(id: string, status: string) {
	return {
		id,
		status,
		phase: null,
		result: null,
		error: null,
		usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 },
	};
}

/** What GET /v1/runs/run-42 answers when the Wait node looks at the run. */
let lookedAt: Omit<ReturnType<typeof runRecord>, 'result'> & { result: unknown };

function sidecarHandler(request: RecordedRequest): Reply {
	if (request.method === 'POST' && request.url === '/v1/runs')
		return { status: 201, body: runRecord('run-42', 'queued') };
	if (request.method === 'GET' && request.url === '/v1/runs/run-42')
		return { status: 200, body: lookedAt };
	if (request.method === 'POST' && request.url === '/v1/runs/run-42/callbacks')
		return { status: 201, body: { ok: true } };
	return {
		status: 404,
		body: { error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } },
	};
}

function workflowNodes(): INode[] {
	const credentials = { dynamicWorkflowsApi: { id: 'cred-1', name: 'Sidecar' } };
	const sink = (name: string, x: number): INode => ({
		id: name,
		name,
		type: 'test.sink',
		typeVersion: 1,
		position: [x, 0],
		parameters: {},
	});
	return [
		{
			id: 'source',
			name: 'Source',
			type: 'test.source',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: [{ task: 'Summarise the repo', files: ['a.ts'] }] as unknown as string },
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
				runId: '={{ $json.id }}',
				limitWaitTime: true,
				limitAmount: 5,
				limitUnit: 'minutes',
			},
		},
		sink('On Timed Out', 600),
		sink('On Converged', 600),
		sink('On Failed', 600),
		sink('On Awaiting Approval', 600),
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

describe('the nodes run through n8n-core WorkflowExecute', () => {
	let sidecar: FakeSidecar;
	let harness: Harness;
	let harnessBaseUrl: string;

	beforeEach(async () => {
		lookedAt = runRecord('run-42', 'running');
		sidecar = new FakeSidecar(sidecarHandler);
		const baseUrl = await sidecar.start();
		harnessBaseUrl = baseUrl;
		harness = createHarness(workflowNodes(), connections, {
			baseUrl,
			token: TOKEN,
			callbackSecret: '',
		});
	});

	afterEach(async () => {
		await sidecar.stop();
	});

	it('starts a run, registers the resume URL and leaves the execution waiting', async () => {
		const run = await runWorkflow(harness, 'Source');

		expect(run.status).toBe('waiting');
		expect(run.waitTill?.getTime()).toBeGreaterThan(Date.now() + 4 * 60_000);
		const [start, look, register] = sidecar.requests;
		expect(look).toMatchObject({ method: 'GET', url: '/v1/runs/run-42' });
		expect(start).toMatchObject({
			method: 'POST',
			url: '/v1/runs',
			body: { task: 'Summarise the repo', input: { task: 'Summarise the repo', files: ['a.ts'] } },
		});
		expect(start.headers.authorization).toBe(`Bearer ${TOKEN}`);
		expect(register.method).toBe('POST');
		expect(register.url).toBe('/v1/runs/run-42/callbacks');
		// n8n 2.x signs the resume URL with the execution's resume token.
		expect(run.data.resumeToken).toMatch(/^[0-9a-f]{32,}$/);
		expect(register.body).toEqual({
			url: `${WAITING_BASE_URL}/exec-1?signature=${run.data.resumeToken}`,
			events: ['converged', 'failed', 'cancelled', 'awaiting_approval'],
		});
	});

	it('a signed converged callback resumes the execution on the Converged output', async () => {
		const waiting = await runWorkflow(harness, 'Source');
		const rawBody = Buffer.from(
			JSON.stringify({
				runId: 'run-42',
				status: 'converged',
				result: { answer: 42 },
				usage: { usd: 0.5 },
			}),
		);
		const timestamp = String(Date.now());
		const answer = await callWaitingWebhook(harness, 'Wait', waiting, {
			headers: {
				'x-dw-timestamp': timestamp,
				'x-dw-signature': signCallback(TOKEN, timestamp, WAIT_PATH, rawBody),
			},
			rawBody,
		});
		expect(answer.statusCode).toBeUndefined();

		const done = await resumeWithWebhookData(harness, waiting, answer.response.workflowData!);

		expect(done.status).toBe('success');
		expect(outputsOf(done, 'On Converged')[0].map((i) => i.json)).toEqual([
			{
				runId: 'run-42',
				status: 'converged',
				result: { answer: 42 },
				error: null,
				usage: { usd: 0.5 },
			},
		]);
		for (const other of ['On Timed Out', 'On Failed', 'On Awaiting Approval']) {
			expect(done.data.resultData.runData[other]).toBeUndefined();
		}
	});

	it('when the time limit hits, n8n passes the input items through the first output, Timed Out', async () => {
		const waiting = await runWorkflow(harness, 'Source');

		const done = await resumeAfterTimeLimit(harness, waiting);

		expect(done.status).toBe('success');
		expect(outputsOf(done, 'On Timed Out')[0].map((i) => i.json)).toEqual([
			runRecord('run-42', 'queued'),
		]);
		for (const other of ['On Converged', 'On Failed', 'On Awaiting Approval']) {
			expect(done.data.resultData.runData[other]).toBeUndefined();
		}
	});

	it("keeps the run and the resume URL path in the waiting execution's data", async () => {
		const run = await runWorkflow(harness, 'Source');

		expect(run.data.resultData.metadata).toEqual({
			dynamicWorkflowsWait: JSON.stringify({ runId: 'run-42', path: '/webhook-waiting/exec-1' }),
			dynamicWorkflowsRunPage: `${harnessBaseUrl}/#/runs/run-42`,
		});
	});

	it("shows the run page's link on the waiting node (an execution hint kept with its run data)", async () => {
		const run = await runWorkflow(harness, 'Source');

		expect(run.status).toBe('waiting');
		expect(run.data.resultData.runData.Wait[0].hints).toEqual([
			{
				type: 'info',
				location: 'outputPane',
				message: `Waiting for run run-42. Follow it live: ${harnessBaseUrl}/#/runs/run-42`,
			},
		]);
	});

	it('a run that converged before the Wait node looked goes on at once: no callback registered, no wait', async () => {
		lookedAt = { ...runRecord('run-42', 'converged'), result: { answer: 42 } };

		const done = await runWorkflow(harness, 'Source');

		expect(done.status).toBe('success');
		expect(done.waitTill).toBeUndefined();
		expect(sidecar.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
			'POST /v1/runs',
			'GET /v1/runs/run-42',
		]);
		expect(outputsOf(done, 'On Converged')[0].map((i) => i.json)).toEqual([
			{
				runId: 'run-42',
				status: 'converged',
				result: { answer: 42 },
				error: null,
				usage: runRecord('run-42', 'converged').usage,
			},
		]);
		for (const other of ['On Timed Out', 'On Failed', 'On Awaiting Approval']) {
			expect(done.data.resultData.runData[other]).toBeUndefined();
		}
	});

	it.each([
		['for another run', { runId: 'run-43' }, WAIT_PATH, 403, 'run_mismatch'],
		[
			"signed for another execution's resume URL",
			{ runId: 'run-42' },
			'/webhook-waiting/exec-2',
			401,
			'invalid_signature',
		],
	])(
		'a validly signed callback %s is refused and resumes nothing',
		async (_label, body, path, status, code) => {
			const waiting = await runWorkflow(harness, 'Source');
			const rawBody = Buffer.from(
				JSON.stringify({ ...body, status: 'converged', result: { forged: true }, usage: {} }),
			);
			const timestamp = String(Date.now());

			const answer = await callWaitingWebhook(harness, 'Wait', waiting, {
				headers: {
					'x-dw-timestamp': timestamp,
					'x-dw-signature': signCallback(TOKEN, timestamp, path, rawBody),
				},
				rawBody,
			});

			expect(answer.statusCode).toBe(status);
			expect(JSON.parse(answer.body!).error.code).toBe(code);
			expect(answer.response).toEqual({ noWebhookResponse: true });
		},
	);

	it('a callback with a wrong signature is refused with 401 and resumes nothing', async () => {
		const waiting = await runWorkflow(harness, 'Source');
		const rawBody = Buffer.from(
			JSON.stringify({ runId: 'run-42', status: 'converged', usage: {} }),
		);
		const timestamp = String(Date.now());

		const answer = await callWaitingWebhook(harness, 'Wait', waiting, {
			headers: {
				'x-dw-timestamp': timestamp,
				'x-dw-signature': signCallback('another-secret', timestamp, WAIT_PATH, rawBody),
			},
			rawBody,
		});

		expect(answer.statusCode).toBe(401);
		expect(answer.response).toEqual({ noWebhookResponse: true });
	});
});
