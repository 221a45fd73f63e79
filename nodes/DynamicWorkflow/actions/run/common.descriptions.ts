import type { INodeProperties } from 'n8n-workflow';

/** The run an operation acts on; after Start or Wait for Convergence it is `{{ $json.id }}` / `{{ $json.runId }}`. */
export const runIdProperty: INodeProperties = {
	displayName: 'Run ID',
	name: 'runId',
	type: 'string',
	required: true,
	default: '={{ $json.id ?? $json.runId }}',
	description: 'ID of the run, as returned by Start or Wait for Convergence',
};
