import type { INodeExecutionData, IPairedItemData, JsonValue } from 'n8n-workflow';

import type { ErrorInfo, GroupPayload, RunStatus, Usage } from '../common/types';

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

/** What n8n passes on if the time limit hits (see outputs.ts): the input, on Timed Out. */
export function timedOutOutputs(items: INodeExecutionData[]): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = OUTPUT_NAMES.map(() => []);
	outputs[OUTPUT.timedOut] = items.map((item, index) => ({ ...item, pairedItem: { item: index } }));
	return outputs;
}

/** The node's outputs with the item on `output` and nothing elsewhere; it pairs with the first input item (all named this run). */
export function routeTo(output: number, item: ConvergenceItem): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = OUTPUT_NAMES.map(() => []);
	outputs[output] = [{ json: item, pairedItem: { item: 0 } }];
	return outputs;
}

/** An output item of a fan-in wait: one run of the group, and whether it had ended when the wait resumed. */
export type FanInItem = Omit<ConvergenceItem, 'status'> & {
	status: RunStatus | 'unknown';
	ended: boolean;
	/**
	 * The (first) input item that named the run. Also its paired item; kept in the JSON because
	 * n8n renumbers the paired items of a wait resumed by its webhook (by position on each output).
	 */
	itemIndex: number;
	/** Only when the sidecar left the result out of a callback too large for n8n: read it with Get. */
	resultOmitted?: boolean;
};

/**
 * The outputs of a fan-in wait: one item per run, on the output of its state (Converged, Failed
 * for failed and cancelled, Awaiting Approval), paired with the input items that named it. A
 * run that had not ended when the group resumed (Any N, The First Converges) goes to Timed Out
 * with its current status (`running`, `queued`, …) and `ended: false`: the wait ended before it did.
 * n8n keeps these paired items when the node passes the runs on at once; when the callback
 * resumes a parked execution, n8n 2.x renumbers paired items by position on each output, so
 * `itemIndex` (in the JSON) is what names the input item then.
 */
export function routeGroup(payload: GroupPayload): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = OUTPUT_NAMES.map(() => []);
	const itemsOf = new Map<string, IPairedItemData[]>();
	payload.runIds.forEach((runId, item) => {
		const list = itemsOf.get(runId) ?? [];
		list.push({ item });
		itemsOf.set(runId, list);
	});
	for (const run of payload.runs) {
		const output =
			run.ended && run.status !== 'unknown'
				? (outputForStatus(run.status) ?? OUTPUT.timedOut)
				: OUTPUT.timedOut;
		const paired = itemsOf.get(run.runId) ?? [{ item: 0 }];
		const json: FanInItem = {
			runId: run.runId,
			status: run.status,
			result: run.status === 'converged' ? (run.result ?? null) : null,
			error: run.error ?? null,
			usage: run.usage ?? null,
			ended: run.ended,
			itemIndex: paired[0].item,
			...(run.resultOmitted ? { resultOmitted: true } : {}),
		};
		outputs[output].push({ json, pairedItem: paired.length === 1 ? paired[0] : paired });
	}
	return outputs;
}
