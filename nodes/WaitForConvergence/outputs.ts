import type { INodeExecutionData, JsonValue } from 'n8n-workflow';

import type { ErrorInfo, RunStatus, Usage } from '../common/types';

/**
 * Outputs of Wait for Convergence. Timed Out must be the first: when the time limit hits,
 * n8n resumes the execution without running the node again and passes the node's input
 * items through its first output (n8n-core WorkflowExecute: handleWaitingState disables the
 * waiting node, and a disabled node forwards main[0]). A sidecar callback instead runs
 * webhook(), which may fill any output.
 */
export const OUTPUT = {
	timedOut: 0,
	converged: 1,
	failed: 2,
	awaitingApproval: 3,
} as const;

export const OUTPUT_NAMES = ['Timed Out', 'Converged', 'Failed', 'Awaiting Approval'];

/** The output a callback with this status goes to; undefined for states a callback never reports. */
export function outputForStatus(status: RunStatus): number | undefined {
	switch (status) {
		case 'converged':
			return OUTPUT.converged;
		case 'failed':
		case 'cancelled':
			return OUTPUT.failed;
		case 'awaiting_approval':
			return OUTPUT.awaitingApproval;
		default:
			return undefined;
	}
}

/** The output item of a wait that ended: from the sidecar's callback, or from the run as execute() found it. */
export type ConvergenceItem = {
	runId: string;
	status: RunStatus;
	result: JsonValue;
	error: ErrorInfo | null;
	usage: Usage | null;
};

/** The node's outputs with the item on `output` and nothing elsewhere; it pairs with the first input item (all named this run). */
export function routeTo(output: number, item: ConvergenceItem): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = OUTPUT_NAMES.map(() => []);
	outputs[output] = [{ json: item, pairedItem: { item: 0 } }];
	return outputs;
}
