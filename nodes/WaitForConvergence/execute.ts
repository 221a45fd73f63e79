import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { runPath } from '../shared/transport/paths';
import { sidecarRequest } from '../shared/transport/request';
import { CALLBACK_EVENTS, type CallbackEvent } from '../shared/types';
import { OUTPUT, OUTPUT_NAMES } from './outputs';
import { WAIT_STATE_KEY, saveWaitState } from './waitState';

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** The body of POST /v1/runs/:id/callbacks. */
type RegisterCallbackBody = {
	url: string;
	events: CallbackEvent[];
};

/**
 * Registers this execution's resume URL with the sidecar for the run, then puts the
 * execution to wait: no worker is held, and the wait survives an n8n restart. The sidecar's
 * signed callback resumes it through webhook(); the time limit, if any, through Timed Out.
 */
export async function waitForConvergence(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const runId = singleRunId.call(this, items.length);

	const events = (this.getNodeParameter('events', 0, []) as string[]).filter(
		(e): e is CallbackEvent => CALLBACK_EVENTS.includes(e as CallbackEvent),
	);
	if (!events.length) {
		throw new NodeOperationError(
			this.getNode(),
			'Resume On is empty: choose at least one state of the run',
			{
				itemIndex: 0,
			},
		);
	}

	const waitTill = waitTillOf.call(this);
	// Signed in n8n 2.x (`?signature=…`): the sidecar must POST to it exactly as given.
	const resumeUrl = String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	// Kept with the parked execution: webhook() accepts only callbacks for this run, signed for this URL.
	if (!saveWaitState(this.customData, { runId, path: new URL(resumeUrl).pathname })) {
		throw new NodeOperationError(
			this.getNode(),
			'Could not store the run this execution waits for',
			{
				itemIndex: 0,
				description: `n8n keeps at most 10 custom data entries per execution; free one for "${WAIT_STATE_KEY}"`,
			},
		);
	}
	const body: RegisterCallbackBody = { url: resumeUrl, events };
	await sidecarRequest(this, { method: 'POST', path: runPath(runId, '/callbacks'), body }, 0);

	await this.putExecutionToWait(waitTill);

	// What n8n passes on if the time limit hits (see outputs.ts): the input, on Timed Out.
	const outputs: INodeExecutionData[][] = OUTPUT_NAMES.map(() => []);
	outputs[OUTPUT.timedOut] = items.map((item, index) => ({ ...item, pairedItem: { item: index } }));
	return outputs;
}

/** The one run this execution waits for: every item must name the same run. */
function singleRunId(this: IExecuteFunctions, itemCount: number): string {
	const ids = new Set<string>();
	for (let itemIndex = 0; itemIndex < Math.max(itemCount, 1); itemIndex++) {
		const id = String(this.getNodeParameter('runId', itemIndex, '') ?? '').trim();
		if (!id) {
			throw new NodeOperationError(this.getNode(), 'Run ID is empty', {
				itemIndex,
				description: 'Set Run ID to the `id` of a run, e.g. {{ $json.id }} after Start',
			});
		}
		ids.add(id);
	}
	if (ids.size > 1) {
		throw new NodeOperationError(
			this.getNode(),
			`Wait for Convergence waits for one run per execution, but the items name ${ids.size} runs`,
			{
				itemIndex: 0,
				description:
					'An execution resumes only once. Start one run per execution (for example with Execute Workflow, once per item), or wait for the runs one at a time.',
			},
		);
	}
	return [...ids][0];
}

function waitTillOf(this: IExecuteFunctions): Date {
	if (!(this.getNodeParameter('limitWaitTime', 0, false) as boolean)) return WAIT_INDEFINITELY;
	const amount = this.getNodeParameter('limitAmount', 0, 1) as number;
	const unit = this.getNodeParameter('limitUnit', 0, 'hours') as keyof typeof UNIT_MS;
	if (!(unit in UNIT_MS) || !Number.isFinite(amount) || amount <= 0) {
		throw new NodeOperationError(
			this.getNode(),
			'The time limit needs a positive amount of minutes, hours or days',
			{
				itemIndex: 0,
			},
		);
	}
	return new Date(Date.now() + amount * UNIT_MS[unit]);
}
