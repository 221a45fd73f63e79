import { NodeApiError } from 'n8n-workflow';
import type { INode, JsonObject } from 'n8n-workflow';

import type { ErrorInfo } from '../types';

/** The code of a SidecarApiError for a sidecar that could not be reached at all. */
export const SIDECAR_UNREACHABLE = 'sidecar_unreachable';

/**
 * What a `sidecar_unreachable` error adds to its description. The usual cause is Docker
 * networking: n8n in a container with the credential's base URL left at
 * http://127.0.0.1:7420 or http://localhost:7420, which there is the n8n container itself.
 */
export const SIDECAR_UNREACHABLE_HINT =
	'Check that the sidecar is running and that the base URL of the Dynamic Workflows API ' +
	'credential is an address n8n can reach. If n8n runs in a Docker container, 127.0.0.1 and ' +
	"localhost there are the n8n container itself, not the sidecar: use the sidecar's service " +
	'name on the shared Docker network (e.g. http://sidecar:7420) or, for a sidecar on the ' +
	'Docker host, http://host.docker.internal:7420 (on Linux, start n8n with ' +
	'--add-host=host.docker.internal:host-gateway). The sidecar must then listen on an address ' +
	'other containers reach (DW_HOST=0.0.0.0, which needs DW_TOKEN).';

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
		const where =
			context.httpStatus === null
				? `Sidecar error "${info.code}" on ${context.request}`
				: `Sidecar error "${info.code}" (HTTP ${context.httpStatus}) on ${context.request}`;
		super(node, response, {
			message: info.message,
			description:
				info.code === SIDECAR_UNREACHABLE ? `${where}. ${SIDECAR_UNREACHABLE_HINT}` : where,
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
