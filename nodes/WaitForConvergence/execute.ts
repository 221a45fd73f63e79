import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { CREDENTIALS_TYPE, type DynamicWorkflowsApiCredentials } from '../common/credentials';
import { SidecarApiError } from '../common/transport/errors';
import { runPath } from '../common/transport/paths';
import { sidecarRequest } from '../common/transport/request';
import type { CallbackEvent, RunRecord } from '../common/types';
import { runPageUrl } from '../common/runPage';
import { infoHint, loopbackResumeUrlWarning, warningHint } from './guardrails';
import { outputForStatus, routeTo, timedOutOutputs, type ConvergenceItem } from './outputs';
import { resumeEventsOf, waitTillOf } from './parameters';
import { waitForAllRuns } from './fanIn';
import { WAIT_STATE_KEY, saveWaitState } from './waitState';

/** The states a run never leaves. */
const FINAL_STATUSES: readonly CallbackEvent[] = ['converged', 'failed', 'cancelled'];

/** Custom data key of the run page link of the run an execution waited for (shown with the execution). */
export const RUN_PAGE_KEY = 'dynamicWorkflowsRunPage';
/** n8n keeps custom data values up to this length whole. */
const CUSTOM_DATA_VALUE_MAX = 255;

/** The body of POST /v1/runs/:id/callbacks. */
type RegisterCallbackBody = {
	url: string;
	events: CallbackEvent[];
};

/**
 * Looks at the run first: one already in a state the node resumes on (converged, failed,
 * cancelled, awaiting approval) leaves at once on its output, with no callback registered and
 * no wait. Otherwise registers this execution's resume URL with the sidecar for the run, then
 * puts the execution to wait: no worker is held, and the wait survives an n8n restart. The
 * sidecar's signed callback resumes it through webhook(); the time limit, if any, through Timed Out.
 *
 * A run that reaches its state between the look and the registration is not lost: the sidecar
 * delivers at once to a registration for a state the run is already in, and retries n8n's 409
 * "is running already" within milliseconds until the execution is saved as waiting. Nor is it
 * doubled: the node either routes (and registers nothing) or registers and waits, never both.
 */
export async function waitForConvergence(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	if (this.getNodeParameter('runs', 0, 'thisItem') === 'allItems')
		return await waitForAllRuns.call(this);
	const items = this.getInputData();
	const runId = singleRunId.call(this, items.length);
	const events = resumeEventsOf.call(this);
	const waitTill = waitTillOf.call(this);
	// Signed in n8n 2.x (`?signature=…`): the sidecar must POST to it exactly as given.
	const resumeUrl = String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	const credentials = await this.getCredentials<DynamicWorkflowsApiCredentials>(CREDENTIALS_TYPE);
	const runPage = runPageUrl(credentials.baseUrl, runId);
	const loopback = loopbackResumeUrlWarning(resumeUrl, String(credentials.baseUrl ?? ''));
	if (loopback) {
		this.logger.warn(`Wait for Convergence (run ${runId}): ${loopback}`);
		this.addExecutionHints(warningHint(loopback));
	}

	const run = await sidecarRequest<RunRecord>(this, { method: 'GET', path: runPath(runId) }, 0);
	const output = settledOutput(run, events);
	if (output !== undefined) {
		saveRunPage(this.customData, runPage);
		this.addExecutionHints(
			infoHint(
				`Run ${runId} was already ${run.status.replace('_', ' ')}: passed on at once, without waiting${runPage ? `. Run page: ${runPage}` : ''}`,
			),
		);
		return routeTo(output, itemOf(runId, run));
	}
	if (FINAL_STATUSES.includes(run.status as CallbackEvent)) {
		// Nothing will ever resume this wait: without a time limit it would park forever.
		if (!(this.getNodeParameter('limitWaitTime', 0, false) as boolean)) {
			throw new NodeOperationError(
				this.getNode(),
				`Run ${runId} already ended as ${run.status}, which is not among Resume On (${events.join(', ')})`,
				{
					itemIndex: 0,
					description: `No callback will come for this run, and the node has no time limit, so it would wait forever. Add "${run.status}" to Resume On, or turn on Limit Wait Time.`,
				},
			);
		}
		this.addExecutionHints(
			warningHint(
				`Run ${runId} already ended as ${run.status}, which is not among Resume On (${events.join(', ')}): no callback will come, only the time limit ends this wait`,
			),
		);
	}

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
	saveRunPage(this.customData, runPage);
	const body: RegisterCallbackBody = { url: resumeUrl, events };
	try {
		await sidecarRequest(this, { method: 'POST', path: runPath(runId, '/callbacks'), body }, 0);
	} catch (error) {
		// A sidecar that refuses the loopback URL (DW_CALLBACK_HOSTS) fails the node: say why there too.
		if (loopback && error instanceof SidecarApiError)
			error.description = [error.description, loopback].filter(Boolean).join('. ');
		// Only node errors come out of sidecarRequest (SidecarApiError, NodeOperationError): passed on as they are.
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
		throw error;
	}
	if (runPage)
		this.addExecutionHints(infoHint(`Waiting for run ${runId}. Follow it live: ${runPage}`));

	await this.putExecutionToWait(waitTill);
	return timedOutOutputs(items);
}

/** The output for a run already in a state the node resumes on; undefined when it must wait. */
function settledOutput(run: RunRecord, events: readonly CallbackEvent[]): number | undefined {
	if (!run || typeof run.status !== 'string') return undefined;
	if (!events.includes(run.status as CallbackEvent)) return undefined;
	return outputForStatus(run.status);
}

/** The item a callback for the run in its current state would carry (the sidecar's callback body). */
function itemOf(runId: string, run: RunRecord): ConvergenceItem {
	return {
		runId,
		status: run.status,
		result: run.status === 'converged' ? (run.result ?? null) : null,
		error: run.error ? { code: run.error.code, message: run.error.message } : null,
		usage: run.usage ?? null,
	};
}

/** Best effort: the link is kept with the execution when n8n has room for it. */
function saveRunPage(
	customData: IExecuteFunctions['customData'],
	runPage: string | undefined,
): void {
	if (runPage && runPage.length <= CUSTOM_DATA_VALUE_MAX) customData.set(RUN_PAGE_KEY, runPage);
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
