import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { sidecarRequest } from '../../common/transport/request';
import type { WorkflowList } from '../../common/types';

/**
 * The sidecar's saved workflows (GET /v1/workflows), for Start's "Saved Workflow" field. A file
 * that does not pass the sidecar's script check is left out: a run of it could not start.
 */
export async function getSavedWorkflows(
	this: ILoadOptionsFunctions,
): Promise<INodePropertyOptions[]> {
	const { workflows } = await sidecarRequest<WorkflowList>(this, {
		method: 'GET',
		path: '/v1/workflows',
	});
	return workflows
		.filter((w) => w.valid)
		.map((w) => ({
			name: w.name,
			value: w.name,
			...(w.description || w.whenToUse
				? { description: [w.description, w.whenToUse].filter(Boolean).join(' — ') }
				: {}),
		}));
}
