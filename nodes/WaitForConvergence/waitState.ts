import type { IWorkflowExecutionCustomData } from 'n8n-workflow';

/**
 * What a parked execution waits for, kept in the execution's custom data (saved with the
 * waiting execution, read again when its webhook is called): the run, and the path of the
 * resume URL registered for it, which the sidecar's signature covers.
 */
export type WaitState = {
	runId: string;
	path: string;
};

/** One key (n8n keeps at most 10 per execution); an execution waits at one node at a time. */
export const WAIT_STATE_KEY = 'dynamicWorkflowsWait';

type CustomData = Pick<IWorkflowExecutionCustomData, 'get' | 'set'>;

/** Stores the state; false when n8n did not keep it (its custom data is full). */
export function saveWaitState(customData: CustomData, state: WaitState): boolean {
	const value = JSON.stringify(state);
	customData.set(WAIT_STATE_KEY, value);
	return customData.get(WAIT_STATE_KEY) === value;
}

export function readWaitState(customData: CustomData): WaitState | undefined {
	const raw = customData.get(WAIT_STATE_KEY);
	if (typeof raw !== 'string') return undefined;
	try {
		const state = JSON.parse(raw) as Partial<WaitState>;
		if (
			typeof state.runId !== 'string' ||
			!state.runId ||
			typeof state.path !== 'string' ||
			!state.path
		)
			return undefined;
		return { runId: state.runId, path: state.path };
	} catch {
		return undefined;
	}
}
