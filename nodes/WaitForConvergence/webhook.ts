import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { CREDENTIALS_TYPE, type DynamicWorkflowsApiCredentials } from '../common/credentials';
import {
	RUN_STATUSES,
	type CallbackPayload,
	type GroupPayload,
	type RunStatus,
} from '../common/types';
import { outputForStatus, routeGroup, routeTo, type ConvergenceItem } from './outputs';
import {
	SIGNATURE_HEADER,
	TIMESTAMP_HEADER,
	isFreshTimestamp,
	isValidCallbackSignature,
} from './signature';
import { groupDigest, readWaitState } from './waitState';

/** What is used of the request n8n hands over (an Express request, untyped in n8n-workflow). */
type CallbackRequest = {
	/** The body's exact bytes, kept by n8n when it parses a body. */
	rawBody?: unknown;
	readRawBody?: () => Promise<void>;
	readableEnded?: boolean;
};

/** What is used of the response, to answer a rejected callback. */
type CallbackResponse = {
	writeHead(status: number, headers: Record<string, string>): unknown;
	end(body: string): unknown;
};

/**
 * Takes the sidecar's callback: checks that it is for the run and resume URL this execution
 * parked with, signed with the credential's secret, and fresh (±5 minutes), then resumes the
 * execution with the run on the output for its status. A callback that fails a check is
 * answered with an error and leaves the execution waiting.
 */
export async function resumeFromCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const req = this.getRequestObject() as CallbackRequest;
	const res = this.getResponseObject() as CallbackResponse;

	const waiting = readWaitState(this.customData);
	if (!waiting) {
		return reject(
			res,
			403,
			'unknown_wait',
			'This execution holds no record of the run it waits for; it keeps waiting',
		);
	}
	const credentials = await this.getCredentials<DynamicWorkflowsApiCredentials>(CREDENTIALS_TYPE);
	const secret = credentials.callbackSecret || credentials.token;
	const rawBody = await rawBodyOf(req, this.getBodyData());

	// A sidecar in development mode runs without a token and signs nothing; the resume URL's
	// own signature and the run id check below still guard the execution then.
	if (secret) {
		const headers = this.getHeaderData();
		const timestamp = headerValue(headers[TIMESTAMP_HEADER]);
		const valid = isValidCallbackSignature({
			secret,
			timestamp,
			signature: headerValue(headers[SIGNATURE_HEADER]),
			path: waiting.path,
			rawBody,
		});
		if (!valid)
			return reject(
				res,
				401,
				'invalid_signature',
				'The callback signature does not match this resume URL and body',
			);
		if (!isFreshTimestamp(timestamp)) {
			return reject(
				res,
				401,
				'stale_callback',
				'The callback timestamp is more than 5 minutes from this clock',
			);
		}
	}

	if ('group' in waiting) {
		const group = parseGroupPayload(rawBody);
		if (!group) {
			return reject(
				res,
				400,
				'invalid_request',
				'The callback body is not a group callback {runIds, runs}',
			);
		}
		if (groupDigest(group.runIds) !== waiting.group) {
			return reject(
				res,
				403,
				'run_mismatch',
				'This execution waits for another set of runs than the callback names',
			);
		}
		return { workflowData: routeGroup(group) };
	}

	const payload = parsePayload(rawBody);
	if (!payload) {
		return reject(
			res,
			400,
			'invalid_request',
			'The callback body is not a run callback {runId, status, usage}',
		);
	}
	if (payload.runId !== waiting.runId) {
		return reject(
			res,
			403,
			'run_mismatch',
			`This execution waits for run ${waiting.runId}, not ${payload.runId}`,
		);
	}
	const output = outputForStatus(payload.status);
	if (output === undefined) {
		return reject(
			res,
			422,
			'unexpected_status',
			`A run in state "${payload.status}" does not resume the wait`,
		);
	}

	const item: ConvergenceItem = {
		runId: payload.runId,
		status: payload.status,
		result: payload.result ?? null,
		error: payload.error ?? null,
		usage: payload.usage ?? null,
	};
	// All input items named this run, so the result pairs with the first of them.
	return { workflowData: routeTo(output, item) };
}

/** The exact bytes the sidecar signed: n8n keeps them as req.rawBody when it parses a body. */
async function rawBodyOf(req: CallbackRequest, parsed: unknown): Promise<Buffer> {
	if (
		!Buffer.isBuffer(req.rawBody) &&
		typeof req.readRawBody === 'function' &&
		!req.readableEnded
	) {
		await req.readRawBody();
	}
	if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
	// Only when n8n did not keep the bytes: the sidecar writes compact JSON, so this matches.
	return Buffer.from(JSON.stringify(parsed ?? {}));
}

function headerValue(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** The body as a JSON object, or undefined when it is not one. */
function jsonObject(rawBody: Buffer): object | undefined {
	try {
		const body: unknown = JSON.parse(rawBody.toString('utf8'));
		return body && typeof body === 'object' ? body : undefined;
	} catch {
		return undefined;
	}
}

function parsePayload(rawBody: Buffer): CallbackPayload | undefined {
	const body = jsonObject(rawBody);
	if (!body) return undefined;
	const { runId, status } = body as { runId?: unknown; status?: unknown };
	if (typeof runId !== 'string' || !runId) return undefined;
	if (typeof status !== 'string' || !RUN_STATUSES.includes(status as RunStatus)) return undefined;
	return body as CallbackPayload;
}

function parseGroupPayload(rawBody: Buffer): GroupPayload | undefined {
	const body = jsonObject(rawBody);
	if (!body) return undefined;
	const { runIds, runs } = body as { runIds?: unknown; runs?: unknown };
	if (!Array.isArray(runIds) || !runIds.every((id) => typeof id === 'string')) return undefined;
	if (!Array.isArray(runs)) return undefined;
	const wellFormed = runs.every(
		(r: unknown) =>
			!!r &&
			typeof r === 'object' &&
			typeof (r as { runId?: unknown }).runId === 'string' &&
			typeof (r as { status?: unknown }).status === 'string' &&
			typeof (r as { ended?: unknown }).ended === 'boolean',
	);
	return wellFormed ? (body as GroupPayload) : undefined;
}

function reject(
	res: CallbackResponse,
	status: number,
	code: string,
	message: string,
): IWebhookResponseData {
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
	res.end(JSON.stringify({ error: { code, message } }));
	return { noWebhookResponse: true };
}
