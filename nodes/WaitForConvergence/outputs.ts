import type { RunStatus } from '../shared/types';

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
