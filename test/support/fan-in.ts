import crypto from 'node:crypto';
import type { WorkflowJson, WorkflowNode } from '../../scripts/lib';
import { DYNAMIC_WORKFLOW_TYPE, WAIT_FOR_CONVERGENCE_TYPE } from './workflows';

/** The webhook path and workflow id of fanInWorkflow(). */
export const FAN_IN_PATH = 'dw-e2e-fan-in';
export const FAN_IN_WORKFLOW_ID = 'dwE2eFanIn000001';
/** The outputs of Wait for Convergence, in order, as the receiver paths the workflow posts to. */
export const FAN_IN_OUTPUTS = ['timed-out', 'converged', 'failed', 'awaiting-approval'] as const;

const CREDENTIALS = { dynamicWorkflowsApi: { id: 'dwSidecarCred001', name: 'Dynamic Workflows Sidecar' } };

/**
 * Items in, one run per item, one wait for all of them (fan-in): the webhook's body
 * `{items: [{task, n, hold}]}` becomes one item per entry (Split Out), Dynamic Workflow starts a
 * run for each (with a short script of its own; `hold: true` stops it at plan approval), Wait for
 * Convergence waits for all runs, and each of its outputs posts everything it got in ONE
 * request (Aggregate) to `receiverUrl/<output>`, with the execution id.
 */
export function fanInWorkflow(receiverUrl: string): WorkflowJson {
  const node = (
    name: string,
    type: string,
    typeVersion: number,
    x: number,
    y: number,
    parameters: Record<string, unknown>,
  ): WorkflowNode => ({
    id: crypto.randomUUID(),
    name,
    type,
    typeVersion,
    position: [x, y],
    parameters,
  });
  const webhook: WorkflowNode = {
    ...node('Webhook', 'n8n-nodes-base.webhook', 2.1, 0, 0, {
      httpMethod: 'POST',
      path: FAN_IN_PATH,
      responseMode: 'onReceived',
      options: {},
    }),
    webhookId: crypto.randomUUID(),
  };
  const split = node('Split Out', 'n8n-nodes-base.splitOut', 1, 200, 0, { fieldToSplitOut: 'body.items', options: {} });
  const start: WorkflowNode = {
    ...node('Start Runs', DYNAMIC_WORKFLOW_TYPE, 1, 400, 0, {
      resource: 'run',
      operation: 'start',
      task: '={{ $json.task }}',
      inputSource: 'json',
      input: '={{ { n: $json.n } }}',
      scriptMode: 'script',
      script: "return { n: args.n, answer: await agent('Answer for fan-in item ' + args.n) };",
      tools: [],
      approvePlan: '={{ $json.hold === true }}',
    }),
    credentials: CREDENTIALS,
  };
  const wait: WorkflowNode = {
    ...node('Wait for All', WAIT_FOR_CONVERGENCE_TYPE, 1, 600, 0, {
      runs: 'allItems',
      runId: '={{ $json.id }}',
      resumeWhen: 'all',
      events: ['converged', 'failed', 'cancelled'],
      limitWaitTime: true,
      limitAmount: 30,
      limitUnit: 'minutes',
    }),
    credentials: CREDENTIALS,
  };
  const connections: Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }> = {
    [webhook.name]: { main: [[{ node: split.name, type: 'main', index: 0 }]] },
    [split.name]: { main: [[{ node: start.name, type: 'main', index: 0 }]] },
    [start.name]: { main: [[{ node: wait.name, type: 'main', index: 0 }]] },
  };
  const tail: WorkflowNode[] = [];
  connections[wait.name] = { main: [] };
  FAN_IN_OUTPUTS.forEach((output, i) => {
    const collect = node(`Collect ${output}`, 'n8n-nodes-base.aggregate', 1, 800, -300 + i * 200, {
      aggregate: 'aggregateAllItemData',
      destinationFieldName: 'runs',
      options: {},
    });
    const post = node(`Post ${output}`, 'n8n-nodes-base.httpRequest', 4.2, 1000, -300 + i * 200, {
      method: 'POST',
      url: `${receiverUrl}/${output}`,
      sendBody: true,
      specifyBody: 'json',
      jsonBody: '={{ JSON.stringify({ executionId: $execution.id, runs: $json.runs }) }}',
      options: {},
    });
    tail.push(collect, post);
    connections[wait.name]!.main.push([{ node: collect.name, type: 'main', index: 0 }]);
    connections[collect.name] = { main: [[{ node: post.name, type: 'main', index: 0 }]] };
  });
  return {
    id: FAN_IN_WORKFLOW_ID,
    name: 'e2e: fan-in over the runs of all items',
    nodes: [webhook, split, start, wait, ...tail],
    connections,
    settings: { executionOrder: 'v1' },
  };
}
