import { NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	JsonValue,
} from 'n8n-workflow';

import { CREDENTIALS_TYPE, type DynamicWorkflowsApiCredentials } from '../credentials';
import type { ErrorInfo } from '../types';
import { SidecarApiError } from './errors';

export type SidecarRequest = {
	method: IHttpRequestMethods;
	/** Path under the sidecar's base URL, e.g. `/v1/runs`; callers encode path segments. */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
	/** The answer is text, not JSON (GET /v1/runs/:id/script). */
	text?: boolean;
};

/**
 * The one way the nodes talk to the sidecar. Authenticates with the Dynamic Workflows API
 * credential and turns every failure into a node error once: an answer of the sidecar
 * (`{error: {code, message}}`) into a SidecarApiError carrying that code and message, a
 * sidecar that cannot be reached into a SidecarApiError with code `sidecar_unreachable`.
 */
export async function sidecarRequest<T>(
	context: IExecuteFunctions | ILoadOptionsFunctions,
	request: SidecarRequest,
	itemIndex?: number,
): Promise<T> {
	const credentials =
		await context.getCredentials<DynamicWorkflowsApiCredentials>(CREDENTIALS_TYPE);
	const baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	const label = `${request.method} ${request.path}`;
	if (!/^https?:\/\//i.test(baseUrl)) {
		throw new NodeOperationError(
			context.getNode(),
			`The Dynamic Workflows API credential needs a base URL starting with http:// or https:// (got "${baseUrl}")`,
			{ itemIndex },
		);
	}

	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${baseUrl}${request.path}`,
		qs: request.qs,
		body: request.body,
		json: !request.text,
		encoding: request.text ? 'text' : 'json',
		returnFullResponse: true,
		// Status errors are read here, so the sidecar's own code and message reach the user.
		ignoreHttpStatusErrors: true,
	};

	let response: IN8nHttpFullResponse;
	try {
		response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			CREDENTIALS_TYPE,
			options,
		)) as IN8nHttpFullResponse;
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		// SidecarApiError is a NodeApiError that also carries a stable code to route on.
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
		throw new SidecarApiError(
			context.getNode(),
			{
				code: 'sidecar_unreachable',
				message: `Could not reach the dynamic-workflows sidecar at ${baseUrl}: ${reason}`,
			},
			{ httpStatus: null, request: label, itemIndex },
		);
	}

	const status = response.statusCode;
	if (status >= 400) {
		const info = errorInfoOf(response.body) ?? {
			code: `http_${status}`,
			message: `The sidecar answered HTTP ${status}`,
		};
		throw new SidecarApiError(context.getNode(), info, {
			httpStatus: status,
			request: label,
			itemIndex,
		});
	}

	if (request.text) return String(response.body ?? '') as T;
	const body = typeof response.body === 'string' ? parseJson(response.body) : response.body;
	if (body === undefined || body === null || typeof body !== 'object') {
		throw new NodeOperationError(
			context.getNode(),
			`The sidecar answered ${label} with something that is not a JSON object`,
			{ itemIndex },
		);
	}
	return body as T;
}

function parseJson(text: string): JsonValue | undefined {
	try {
		return JSON.parse(text) as JsonValue;
	} catch {
		return undefined;
	}
}

/** The `{error: {code, message}}` body of a failed sidecar request, if that is what it is. */
export function errorInfoOf(body: unknown): ErrorInfo | undefined {
	const parsed = typeof body === 'string' ? parseJson(body) : body;
	if (!parsed || typeof parsed !== 'object' || !('error' in parsed)) return undefined;
	const error = (parsed as { error: unknown }).error;
	if (!error || typeof error !== 'object') return undefined;
	const { code, message } = error as { code?: unknown; message?: unknown };
	if (typeof code !== 'string' || typeof message !== 'string') return undefined;
	return { code, message };
}
