import { createHash } from 'crypto';

import type { IWorkflowExecutionCustomData } from 'n8n-workflow';

/**
 * What a parked execution waits for, kept in the execution's custom data (saved with the
 * waiting execution, read again when its webhook is called): the run, or for fan-in the
 * digest of the run ids registered as a group (n8n keeps at most 512 characters per value,
 * too few for the ids themselves), and the path of the resume URL registered, which the
 * sidecar's signature covers.
 */
export type WaitState =
	| {
			runId: string;
			path: string;
	  }
	| {
			/** sha256 (hex) of the group's run ids as registered: see groupDigest(). */
			group: string;
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

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

export function readWaitState(customData: CustomData): WaitState | undefined {
	const raw = customData.get(WAIT_STATE_KEY);
	if (typeof raw !== 'string') return undefined;
	try {
		const state = JSON.parse(raw) as { runId?: unknown; group?: unknown; path?: unknown };
		if (!nonEmpty(state.path)) return undefined;
		if (nonEmpty(state.runId)) return { runId: state.runId, path: state.path };
		if (nonEmpty(state.group)) return { group: state.group, path: state.path };
		return undefined;
	} catch {
		return undefined;
	}
}

/** The digest a fan-in wait keeps of its run ids (one per input item, in item order). */
export function groupDigest(runIds: readonly string[]): string {
	return createHash('sha256').update(JSON.stringify(runIds)).digest('hex');
}
