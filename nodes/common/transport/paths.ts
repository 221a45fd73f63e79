/** The API path of a run (and of one of its sub-resources), with the ID safely encoded. */
export function runPath(runId: string, suffix = ''): string {
	return `/v1/runs/${encodeURIComponent(runId)}${suffix}`;
}

/** POST: one callback for a group of runs (fan-in). */
export const CALLBACK_GROUPS_PATH = '/v1/callbacks';
