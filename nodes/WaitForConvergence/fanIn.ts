import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { CREDENTIALS_TYPE, type DynamicWorkflowsApiCredentials } from '../common/credentials';
import { SidecarApiError } from '../common/transport/errors';
import { CALLBACK_GROUPS_PATH } from '../common/transport/paths';
import { sidecarRequest } from '../common/transport/request';
import type { CallbackGroupBody, GroupRegistrationAnswer, GroupWait } from '../common/types';
import { infoHint, loopbackResumeUrlWarning, warningHint } from './guardrails';
import { routeGroup, timedOutOutputs } from './outputs';
import { resumeEventsOf, waitTillOf } from './parameters';
import { WAIT_STATE_KEY, groupDigest, saveWaitState } from './waitState';

const WAITS: readonly GroupWait[] = ['all', 'any', 'first'];

const WAIT_LABEL: Record<GroupWait, string> = {
	all: 'all of them have ended',
	any: 'enough of them have ended',
	first: 'one of them converges',
};

/**
 * Fan-in: waits for the runs of all incoming items and resumes ONCE (n8n resumes an execution
 * once), with one item per run on the output of its state. Registers one callback for the whole
 * set with the sidecar (POST /v1/callbacks), which delivers it when the condition holds (all
 * ended, N ended, first converged). When it already holds, the sidecar registers nothing and
 * answers with the runs, and the node passes them on at once without waiting. The time limit,
 * if any, applies to the group: the incoming items then leave through Timed Out.
 */
export async function waitForAllRuns(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const runIds = runIdsOf.call(this, items.length);
	const distinct = new Set(runIds).size;
	const events = resumeEventsOf.call(this);
	const wait = this.getNodeParameter('resumeWhen', 0, 'all') as GroupWait;
	if (!WAITS.includes(wait)) {
		throw new NodeOperationError(this.getNode(), `Unknown Resume When "${String(wait)}"`, {
			itemIndex: 0,
		});
	}
	const count = wait === 'any' ? Number(this.getNodeParameter('count', 0, 1)) : undefined;
	if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > distinct)) {
		throw new NodeOperationError(
			this.getNode(),
			`Number of Runs must be 1 to ${distinct}, the runs the items name (got ${count})`,
			{ itemIndex: 0 },
		);
	}
	if (wait === 'first' && !events.includes('converged')) {
		throw new NodeOperationError(
			this.getNode(),
			'The First Converges needs Converged among Resume On',
			{ itemIndex: 0 },
		);
	}
	const waitTill = waitTillOf.call(this);
	// Signed in n8n 2.x (`?signature=…`): the sidecar must POST to it exactly as given.
	const resumeUrl = String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	const credentials = await this.getCredentials<DynamicWorkflowsApiCredentials>(CREDENTIALS_TYPE);
	const loopback = loopbackResumeUrlWarning(resumeUrl, String(credentials.baseUrl ?? ''));
	if (loopback) {
		this.logger.warn(`Wait for Convergence (${distinct} runs): ${loopback}`);
		this.addExecutionHints(warningHint(loopback));
	}

	// Kept with the parked execution: webhook() accepts only the callback of these runs, signed for this URL.
	if (
		!saveWaitState(this.customData, {
			group: groupDigest(runIds),
			path: new URL(resumeUrl).pathname,
		})
	) {
		throw new NodeOperationError(
			this.getNode(),
			'Could not store the runs this execution waits for',
			{
				itemIndex: 0,
				description: `n8n keeps at most 10 custom data entries per execution; free one for "${WAIT_STATE_KEY}"`,
			},
		);
	}
	const body: CallbackGroupBody = {
		runIds,
		wait,
		...(count !== undefined ? { count } : {}),
		url: resumeUrl,
		events,
		ifAlreadyMet: 'answer',
	};
	let answer: GroupRegistrationAnswer;
	try {
		answer = await sidecarRequest<GroupRegistrationAnswer>(
			this,
			{ method: 'POST', path: CALLBACK_GROUPS_PATH, body },
			0,
		);
	} catch (error) {
		if (loopback && error instanceof SidecarApiError)
			error.description = [error.description, loopback].filter(Boolean).join('. ');
		// Only node errors come out of sidecarRequest (SidecarApiError, NodeOperationError): passed on as they are.
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
		throw error;
	}

	if ('payload' in answer && answer.payload) {
		this.addExecutionHints(
			infoHint(
				`The ${distinct} runs were already where Resume When asks (${WAIT_LABEL[wait]}): passed on at once, without waiting`,
			),
		);
		return routeGroup(answer.payload);
	}

	this.addExecutionHints(infoHint(`Waiting for ${distinct} runs, until ${WAIT_LABEL[wait]}`));
	await this.putExecutionToWait(waitTill);
	return timedOutOutputs(items);
}

/** The run of each item, in item order (no item may name none). */
function runIdsOf(this: IExecuteFunctions, itemCount: number): string[] {
	const ids: string[] = [];
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		const id = String(this.getNodeParameter('runId', itemIndex, '') ?? '').trim();
		if (!id) {
			throw new NodeOperationError(this.getNode(), 'Run ID is empty', {
				itemIndex,
				description: 'Set Run ID to the `id` of a run, e.g. {{ $json.id }} after Start',
			});
		}
		ids.push(id);
	}
	if (!ids.length) {
		throw new NodeOperationError(this.getNode(), 'No input items: there are no runs to wait for', {
			itemIndex: 0,
		});
	}
	return ids;
}
