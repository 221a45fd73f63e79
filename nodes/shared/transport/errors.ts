import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import type { ErrorInfo } from '../types';

/**
 * A request the sidecar refused or failed, carrying the sidecar's stable error `code`
 * (e.g. `budget_usd`, `run_not_found`) so a workflow can route on it.
 */
export class SidecarApiError extends NodeApiError {
	readonly code: string;

	readonly httpStatus: number | null;

	constructor(
		node: INode,
		info: ErrorInfo,
		context: { httpStatus: number | null; request: string; itemIndex?: number },
	) {
		const response: JsonObject = { code: info.code, message: info.message };
		super(node, response, {
			message: info.message,
			description:
				context.httpStatus === null
					? `Sidecar error "${info.code}" on ${context.request}`
					: `Sidecar error "${info.code}" (HTTP ${context.httpStatus}) on ${context.request}`,
			httpCode: context.httpStatus === null ? undefined : String(context.httpStatus),
			itemIndex: context.itemIndex,
		});
		// NodeApiError swaps messages mentioning ECONNREFUSED & co. for generic ones; the
		// sidecar's (or our own) message is more precise, so it is kept as given.
		this.message = info.message;
		this.code = info.code;
		this.httpStatus = context.httpStatus;
	}
}
