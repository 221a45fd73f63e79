import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { CREDENTIALS_TYPE, type DynamicWorkflowsApiCredentials } from '../../../common/credentials';
import { SIDECAR_UNREACHABLE, SidecarApiError } from '../../../common/transport/errors';
import { runPath } from '../../../common/transport/paths';
import { sidecarRequest } from '../../../common/transport/request';
import type { RunRecord, RunStatus } from '../../../common/types';
import { runPageUrl } from '../../../common/runPage';
import * as start from './start.operation';

// Run and Wait takes every parameter of Start (start.operation.ts shows them for both
// operations) and adds how long to wait and what to do when the wait ends without a result.

export const MAX_WAIT_DEFAULT_MINUTES = 5;
export const MAX_WAIT_LIMIT_MINUTES = 60;
/** Polling of GET /v1/runs/:id: the first look after 250 ms, then twice as long each time, at most 5 s. */
export const POLL_FIRST_MS = 250;
export const POLL_MAX_MS = 5_000;

const showOnlyForRunAndWait = { resource: ['run'], operation: ['runAndWait'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Max Wait (Minutes)',
		name: 'maxWait',
		type: 'number',
		default: MAX_WAIT_DEFAULT_MINUTES,
		typeOptions: { minValue: 0, maxValue: MAX_WAIT_LIMIT_MINUTES, numberPrecision: 2 },
		description: `How long the node waits for the run to end, at most ${MAX_WAIT_LIMIT_MINUTES} minutes. A run still going then is returned with timedOut: true and goes on in the sidecar (fetch it later with Get). For longer runs use Start and Wait for Convergence, which hold no worker while waiting.`,
		displayOptions: { show: showOnlyForRunAndWait },
	},
	{
		displayName: 'Wait Options',
		name: 'waitOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showOnlyForRunAndWait },
		options: [
			{
				displayName: 'Cancel Run on Time-Out',
				name: 'cancelOnTimeout',
				type: 'boolean',
				default: false,
				description:
					'Whether to cancel the run when Max Wait passes before it ends. By default it goes on and can be fetched later with Get.',
			},
			{
				displayName: 'Cancel Run When Execution Stops',
				name: 'cancelOnStop',
				type: 'boolean',
				default: false,
				description:
					'Whether to cancel the run when the n8n execution is stopped while waiting. By default only the waiting stops and the run goes on.',
			},
			{
				displayName: 'Include Full Run Record',
				name: 'includeRun',
				type: 'boolean',
				default: false,
				description:
					'Whether to add the whole run record (task, input, options, limits, counts …) under `run`. Off keeps the output short, which an AI agent reads as tokens.',
			},
			{
				displayName: 'Wait Through Plan Approval',
				name: 'waitThroughApproval',
				type: 'boolean',
				default: false,
				description:
					'Whether to keep waiting while the run awaits plan approval (Require Plan Approval), until someone approves it on the run page or with Approve. By default the node returns at once with status awaiting_approval.',
			},
		],
	},
];

type WaitOptions = {
	cancelOnTimeout?: boolean;
	cancelOnStop?: boolean;
	includeRun?: boolean;
	waitThroughApproval?: boolean;
};

const ENDED: readonly RunStatus[] = ['converged', 'failed', 'cancelled'];

/**
 * Starts a run as Start does, then polls it until it ends, Max Wait passes, or the execution
 * is stopped. A run that failed or was cancelled is an answer, not an error of the node: it
 * is returned with its status and error, so an AI agent (or an IF node) can read it. Errors
 * of the sidecar itself (a refused start, a bad token, a run that vanished) throw as in the
 * other operations, and with Continue On Fail become `{error, code}` items.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const maxWaitMs = maxWaitOf(this, itemIndex) * 60_000;
	const options = this.getNodeParameter('waitOptions', itemIndex, {}) as WaitOptions;
	const signal = this.getExecutionCancelSignal?.();
	if (signal?.aborted) throw stoppedError(this, itemIndex);

	let run: RunRecord = await start.execute.call(this, itemIndex);
	const runId = run.id;
	const credentials = await this.getCredentials<DynamicWorkflowsApiCredentials>(CREDENTIALS_TYPE);
	const runPage = runPageUrl(credentials.baseUrl, runId);
	const startedAt = Date.now();
	const deadline = startedAt + maxWaitMs;
	const settled = (r: RunRecord) =>
		ENDED.includes(r.status) || (r.status === 'awaiting_approval' && !options.waitThroughApproval);

	let delay = POLL_FIRST_MS;
	let stopped = false;
	while (!settled(run)) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) break;
		// The pause only fails when the execution is stopped.
		const paused = await attempt(untilStopped(sleep(Math.min(delay, remaining), signal), signal));
		if (!paused.ok || signal?.aborted) {
			stopped = true;
			break;
		}
		delay = Math.min(delay * 2, POLL_MAX_MS);
		const look = await attempt(
			untilStopped(
				sidecarRequest<RunRecord>(this, { method: 'GET', path: runPath(runId) }, itemIndex),
				signal,
			),
		);
		if (look.ok) {
			run = look.value;
		} else if (signal?.aborted) {
			stopped = true;
			break;
		} else if (!isTransient(look.error)) {
			throw asNodeError(this, look.error, itemIndex);
		}
		// A sidecar restarting or a network blip does not end the wait: the next look may work.
	}
	if (stopped) {
		if (options.cancelOnStop) await cancelQuietly(this, runId, itemIndex);
		throw stoppedError(this, itemIndex, runId, options.cancelOnStop === true, runPage);
	}

	const timedOut = !settled(run);
	if (timedOut && options.cancelOnTimeout) {
		run = await sidecarRequest<RunRecord>(
			this,
			{ method: 'POST', path: runPath(runId, '/cancel'), body: {} },
			itemIndex,
		);
	}
	return outputOf(run, {
		runPage,
		waitedMs: Date.now() - startedAt,
		timedOut,
		cancelledOnTimeout: timedOut && options.cancelOnTimeout === true,
		includeRun: options.includeRun === true,
		maxWaitMs,
	});
}

function maxWaitOf(context: IExecuteFunctions, itemIndex: number): number {
	const raw = context.getNodeParameter('maxWait', itemIndex, MAX_WAIT_DEFAULT_MINUTES);
	const minutes = typeof raw === 'number' ? raw : Number(raw);
	if (!Number.isFinite(minutes) || minutes < 0) {
		throw new NodeOperationError(
			context.getNode(),
			`Max Wait must be a number of minutes from 0 to ${MAX_WAIT_LIMIT_MINUTES} (got "${String(raw)}")`,
			{ itemIndex },
		);
	}
	// An expression (or an AI agent's $fromAI) may ask for more; the node never holds a worker longer.
	return Math.min(minutes, MAX_WAIT_LIMIT_MINUTES);
}

type OutputContext = {
	runPage: string | undefined;
	waitedMs: number;
	timedOut: boolean;
	cancelledOnTimeout: boolean;
	includeRun: boolean;
	maxWaitMs: number;
};

/** The answer: short, since an AI agent reads it as tokens; the full record only when asked. */
function outputOf(run: RunRecord, context: OutputContext): IDataObject {
	const output: IDataObject = {
		runId: run.id,
		status: run.status,
		result: run.result ?? null,
		error: run.error ?? null,
		usage: run.usage ?? null,
		runPage: context.runPage ?? null,
		timedOut: context.timedOut,
		waitedSeconds: Math.round(context.waitedMs / 100) / 10,
	};
	const hint = hintOf(run, context);
	if (hint) output.hint = hint;
	if (context.includeRun) output.run = run as unknown as IDataObject;
	return output;
}

function hintOf(run: RunRecord, context: OutputContext): string | undefined {
	const page = context.runPage ? ` Follow it at ${context.runPage}.` : '';
	const minutes = Math.round(context.maxWaitMs / 6_000) / 10;
	if (context.cancelledOnTimeout) {
		return `Run ${run.id} did not end within ${minutes} minutes (Max Wait) and was cancelled.${page}`;
	}
	if (context.timedOut) {
		const phase = run.phase ? ` (phase "${run.phase}")` : '';
		return (
			`Run ${run.id} is still ${run.status.replace('_', ' ')}${phase} after ${minutes} minutes (Max Wait) ` +
			`and goes on in the sidecar. Call Get with run ID "${run.id}" later for its status and result.${page}`
		);
	}
	if (run.status === 'awaiting_approval') {
		return (
			`Run ${run.id} waits for its plan to be approved. Approve or reject it with the Approve ` +
			`operation or on the run page, then call Get with run ID "${run.id}" for its result.${page}`
		);
	}
	return undefined;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function attempt<T>(promise: Promise<T>): Promise<Attempt<T>> {
	try {
		return { ok: true, value: await promise };
	} catch (error) {
		return { ok: false, error };
	}
}

/** The sidecar's errors are node errors already (SidecarApiError); anything else is wrapped. */
function asNodeError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(context.getNode(), error instanceof Error ? error : String(error), {
		itemIndex,
	});
}

/** Unreachable sidecar or a 5xx answer: worth another look; 4xx answers (bad token, no such run) are not. */
function isTransient(error: unknown): boolean {
	if (!(error instanceof SidecarApiError)) return false;
	return (
		error.code === SIDECAR_UNREACHABLE || (error.httpStatus !== null && error.httpStatus >= 500)
	);
}

/**
 * The promise, or a rejection as soon as the execution is stopped. n8n-workflow's `sleep`
 * honours the signal itself from n8n 2.x on; an older one ignores it, and a request in flight
 * has no signal at all, so the race is kept for both.
 */
async function untilStopped<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return await promise;
	return await new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(new Error('The execution was stopped'));
		if (signal.aborted) {
			onAbort();
			return;
		}
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

/** Best effort: the execution is ending anyway, so a failed cancel is logged, not thrown. */
async function cancelQuietly(
	context: IExecuteFunctions,
	runId: string,
	itemIndex: number,
): Promise<void> {
	try {
		await sidecarRequest<RunRecord>(
			context,
			{ method: 'POST', path: runPath(runId, '/cancel'), body: {} },
			itemIndex,
		);
	} catch (error) {
		context.logger?.warn(
			`Dynamic Workflow: could not cancel run ${runId} after the execution was stopped: ${
				error instanceof Error ? error.message : String(error)
			}`,
		);
	}
}

/** Marks the execution as stopped; the router lets it through even with Continue On Fail. */
export class ExecutionStoppedError extends NodeOperationError {}

function stoppedError(
	context: IExecuteFunctions,
	itemIndex: number,
	runId?: string,
	cancelled = false,
	runPage?: string,
): ExecutionStoppedError {
	const message = !runId
		? 'The execution was stopped before the run was started'
		: cancelled
			? `The execution was stopped while waiting for run ${runId}; the run was cancelled`
			: `The execution was stopped while waiting for run ${runId}; the run goes on in the sidecar`;
	return new ExecutionStoppedError(context.getNode(), message, {
		itemIndex,
		description: runPage ? `Run page: ${runPage}` : undefined,
	});
}
