import type { IDataObject } from 'n8n-workflow';

import { router } from '../../../../../nodes/DynamicWorkflow/actions/router';
import {
	ExecutionStoppedError,
	execute,
} from '../../../../../nodes/DynamicWorkflow/actions/run/runAndWait.operation';
import { SidecarApiError } from '../../../../../nodes/common/transport/errors';
import { sidecarRequest, type SidecarRequest } from '../../../../../nodes/common/transport/request';
import {
	TEST_NODE,
	fakeExecuteContext,
	type ParameterValue,
} from '../../../support/fake-execute-context';

jest.mock('../../../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

const PARAMS: Record<string, ParameterValue> = {
	resource: 'run',
	operation: 'runAndWait',
	task: 'Summarise the input',
	inputSource: 'json',
	input: '{"text": "hello"}',
	scriptMode: 'generate',
	tools: [],
	workspace: '',
	approvePlan: false,
	limits: {},
	options: {},
	maxWait: 5,
	waitOptions: {},
};

const USAGE = {
	inputTokens: 10,
	outputTokens: 5,
	cacheReadTokens: 0,
	cacheWriteTokens: 0,
	usd: 0.01,
};

const record = (status: string, extra: IDataObject = {}) => ({
	id: 'r-1',
	status,
	phase: null,
	usage: USAGE,
	result: null,
	error: null,
	...extra,
});

/** A sidecar that starts r-1 and answers each GET with the next state of `states` (the last one repeats). */
function sidecarGoingThrough(states: Array<IDataObject | Error>) {
	let look = 0;
	request.mockImplementation(async (_ctx, req: SidecarRequest) => {
		if (req.method === 'POST' && req.path === '/v1/runs') return record('queued');
		if (req.method === 'POST' && req.path === '/v1/runs/r-1/cancel') return record('cancelled');
		if (req.method === 'GET' && req.path === '/v1/runs/r-1') {
			const state = states[Math.min(look++, states.length - 1)];
			if (state instanceof Error) throw state;
			return state;
		}
		throw new Error(`unexpected ${req.method} ${req.path}`);
	});
}

function context(params: Record<string, ParameterValue> = {}, signal?: AbortSignal) {
	const ctx = fakeExecuteContext({ params: { ...PARAMS, ...params } });
	return Object.assign(ctx, { getExecutionCancelSignal: () => signal });
}

const looks = () => request.mock.calls.filter(([, req]) => req.method === 'GET').length;
const posts = (path: string) =>
	request.mock.calls.filter(([, req]) => req.method === 'POST' && req.path === path).length;

const unreachable = () =>
	new SidecarApiError(
		TEST_NODE,
		{ code: 'sidecar_unreachable', message: 'Could not reach the sidecar' },
		{ httpStatus: null, request: 'GET /v1/runs/r-1' },
	);

beforeEach(() => {
	request.mockReset();
	jest.useFakeTimers();
});

afterEach(() => {
	jest.useRealTimers();
});

describe('Run and Wait', () => {
	it('starts the run like Start, polls it with backoff and returns the converged run', async () => {
		sidecarGoingThrough([
			record('planning'),
			record('running', { phase: 'scan' }),
			record('running'),
			record('converged', { result: { summary: 'hi' } }),
		]);

		const done = execute.call(context(), 0);
		// Looks after 250, 500, 1000 and 2000 ms.
		await jest.advanceTimersByTimeAsync(249);
		expect(looks()).toBe(0);
		await jest.advanceTimersByTimeAsync(1);
		expect(looks()).toBe(1);
		await jest.advanceTimersByTimeAsync(500);
		expect(looks()).toBe(2);
		await jest.advanceTimersByTimeAsync(1000);
		expect(looks()).toBe(3);
		await jest.advanceTimersByTimeAsync(2000);

		await expect(done).resolves.toEqual({
			runId: 'r-1',
			status: 'converged',
			result: { summary: 'hi' },
			error: null,
			usage: USAGE,
			runPage: 'http://sidecar.test:7420/#/runs/r-1',
			timedOut: false,
			waitedSeconds: 3.8,
		});
		expect(looks()).toBe(4);
		expect(request.mock.calls[0][1]).toEqual({
			method: 'POST',
			path: '/v1/runs',
			body: {
				task: 'Summarise the input',
				input: { text: 'hello' },
				options: { approvePlan: false, tools: [] },
			},
		});
	});

	it('looks at most every 5 seconds', async () => {
		sidecarGoingThrough([record('running')]);

		const done = execute.call(context({ maxWait: 1 }), 0);
		// 250 + 500 + 1000 + 2000 + 4000 = 7750 ms, then every 5000 ms.
		await jest.advanceTimersByTimeAsync(7750);
		expect(looks()).toBe(5);
		await jest.advanceTimersByTimeAsync(4999);
		expect(looks()).toBe(5);
		await jest.advanceTimersByTimeAsync(1);
		expect(looks()).toBe(6);
		await jest.advanceTimersByTimeAsync(60_000);
		await expect(done).resolves.toMatchObject({ timedOut: true });
	});

	it('returns a failed run with its error instead of throwing, so an AI agent can read it', async () => {
		const error = { code: 'budget_usd', message: 'USD budget exhausted: $1.0000 of $1 spent' };
		sidecarGoingThrough([record('failed', { error })]);

		const done = execute.call(context(), 0);
		await jest.advanceTimersByTimeAsync(250);

		await expect(done).resolves.toEqual({
			runId: 'r-1',
			status: 'failed',
			result: null,
			error,
			usage: USAGE,
			runPage: 'http://sidecar.test:7420/#/runs/r-1',
			timedOut: false,
			waitedSeconds: 0.3,
		});
	});

	it('after Max Wait returns the run still going, with a hint to call Get later, and leaves it running', async () => {
		sidecarGoingThrough([record('running', { phase: 'verify' })]);

		const done = execute.call(context({ maxWait: 0.5 }), 0);
		await jest.advanceTimersByTimeAsync(30_000);

		const output = await done;
		expect(output).toMatchObject({
			runId: 'r-1',
			status: 'running',
			timedOut: true,
			waitedSeconds: 30,
			runPage: 'http://sidecar.test:7420/#/runs/r-1',
		});
		expect(output.hint).toBe(
			'Run r-1 is still running (phase "verify") after 0.5 minutes (Max Wait) and goes on in the sidecar. ' +
				'Call Get with run ID "r-1" later for its status and result. Follow it at http://sidecar.test:7420/#/runs/r-1.',
		);
		// The last look is at the deadline itself.
		expect(looks()).toBe(10);
		expect(posts('/v1/runs/r-1/cancel')).toBe(0);
	});

	it('cancels the run on time-out when asked to', async () => {
		sidecarGoingThrough([record('running')]);

		const done = execute.call(context({ maxWait: 0.1, waitOptions: { cancelOnTimeout: true } }), 0);
		await jest.advanceTimersByTimeAsync(6_000);

		const output = await done;
		expect(output).toMatchObject({ status: 'cancelled', timedOut: true });
		expect(output.hint).toContain('did not end within 0.1 minutes (Max Wait) and was cancelled');
		expect(posts('/v1/runs/r-1/cancel')).toBe(1);
	});

	it('never waits longer than 60 minutes, whatever Max Wait says', async () => {
		sidecarGoingThrough([record('running')]);

		const done = execute.call(context({ maxWait: 600 }), 0);
		await jest.advanceTimersByTimeAsync(60 * 60_000);

		await expect(done).resolves.toMatchObject({ timedOut: true, waitedSeconds: 3600 });
	});

	it('refuses a Max Wait that is not a number of minutes', async () => {
		await expect(execute.call(context({ maxWait: -1 }), 0)).rejects.toThrow(
			'Max Wait must be a number of minutes from 0 to 60',
		);
		expect(request).not.toHaveBeenCalled();
	});

	it('stops waiting when the execution is stopped, and leaves the run going', async () => {
		sidecarGoingThrough([record('running')]);
		const stop = new AbortController();

		const done = execute.call(context({}, stop.signal), 0);
		const outcome = expect(done).rejects.toThrow(
			'The execution was stopped while waiting for run r-1; the run goes on in the sidecar',
		);
		await jest.advanceTimersByTimeAsync(800);
		stop.abort();
		await outcome;
		await expect(done).rejects.toBeInstanceOf(ExecutionStoppedError);

		expect(looks()).toBe(2);
		expect(posts('/v1/runs/r-1/cancel')).toBe(0);
		await jest.advanceTimersByTimeAsync(60_000);
		expect(looks()).toBe(2);
	});

	it('also stops while a look is in flight', async () => {
		const stop = new AbortController();
		request.mockImplementation(async (_ctx, req: SidecarRequest) =>
			req.method === 'POST' ? record('queued') : await new Promise(() => undefined),
		);

		const done = execute.call(context({}, stop.signal), 0);
		const outcome = expect(done).rejects.toBeInstanceOf(ExecutionStoppedError);
		await jest.advanceTimersByTimeAsync(300);
		expect(looks()).toBe(1);
		stop.abort();
		await outcome;
	});

	it('cancels the run when the execution is stopped, if asked to', async () => {
		sidecarGoingThrough([record('running')]);
		const stop = new AbortController();

		const done = execute.call(context({ waitOptions: { cancelOnStop: true } }, stop.signal), 0);
		const outcome = expect(done).rejects.toThrow(
			'The execution was stopped while waiting for run r-1; the run was cancelled',
		);
		await jest.advanceTimersByTimeAsync(300);
		stop.abort();
		await outcome;

		expect(posts('/v1/runs/r-1/cancel')).toBe(1);
	});

	it('does not start a run once the execution is stopped', async () => {
		const stop = new AbortController();
		stop.abort();

		await expect(execute.call(context({}, stop.signal), 0)).rejects.toThrow(
			'The execution was stopped before the run was started',
		);
		expect(request).not.toHaveBeenCalled();
	});

	it('keeps waiting through an unreachable sidecar, but not through a run that is gone', async () => {
		sidecarGoingThrough([unreachable(), record('converged', { result: 1 })]);
		const done = execute.call(context(), 0);
		await jest.advanceTimersByTimeAsync(750);
		await expect(done).resolves.toMatchObject({ status: 'converged', result: 1 });

		request.mockReset();
		const gone = new SidecarApiError(
			TEST_NODE,
			{ code: 'run_not_found', message: 'No run r-1' },
			{ httpStatus: 404, request: 'GET /v1/runs/r-1' },
		);
		sidecarGoingThrough([gone]);
		const failed = execute.call(context(), 0);
		const outcome = expect(failed).rejects.toBe(gone);
		await jest.advanceTimersByTimeAsync(250);
		await outcome;
	});

	it('returns at once on plan approval, or waits through it when asked to', async () => {
		sidecarGoingThrough([record('awaiting_approval'), record('running'), record('converged')]);
		const done = execute.call(context({ approvePlan: true }), 0);
		await jest.advanceTimersByTimeAsync(250);
		const output = await done;
		expect(output).toMatchObject({ status: 'awaiting_approval', timedOut: false });
		expect(output.hint).toContain('Approve or reject it with the Approve operation');

		request.mockReset();
		sidecarGoingThrough([record('awaiting_approval'), record('running'), record('converged')]);
		const waited = execute.call(
			context({ approvePlan: true, waitOptions: { waitThroughApproval: true } }),
			0,
		);
		await jest.advanceTimersByTimeAsync(250 + 500 + 1000);
		await expect(waited).resolves.toMatchObject({ status: 'converged' });
	});

	it('adds the whole run record when asked to', async () => {
		const converged = record('converged', { task: 'Summarise the input', counts: { total: 2 } });
		sidecarGoingThrough([converged]);

		const done = execute.call(context({ waitOptions: { includeRun: true } }), 0);
		await jest.advanceTimersByTimeAsync(250);

		await expect(done).resolves.toMatchObject({ status: 'converged', run: converged });
	});

	it('through the router: a stopped execution is not turned into an item by Continue On Fail', async () => {
		sidecarGoingThrough([record('running')]);
		const stop = new AbortController();
		const ctx = Object.assign(
			fakeExecuteContext({ params: PARAMS, continueOnFail: true, items: [{}, {}] }),
			{ getExecutionCancelSignal: () => stop.signal },
		);

		const done = router.call(ctx);
		const outcome = expect(done).rejects.toBeInstanceOf(ExecutionStoppedError);
		await jest.advanceTimersByTimeAsync(300);
		stop.abort();
		await outcome;
		expect(posts('/v1/runs')).toBe(1);
	});
});
