import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions } from 'n8n-workflow';

/** The `runId` parameter of one item, checked to be non-empty. */
export function getRunId(this: IExecuteFunctions, itemIndex: number): string {
	const runId = String(this.getNodeParameter('runId', itemIndex, '') ?? '').trim();
	if (!runId) {
		throw new NodeOperationError(this.getNode(), 'Run ID is empty', {
			itemIndex,
			description: 'Set Run ID to the `id` of a run, e.g. {{ $json.id }} after Start',
		});
	}
	return runId;
}
