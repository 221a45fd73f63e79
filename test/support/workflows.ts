import crypto from 'node:crypto';
import type { WorkflowJson, WorkflowNode } from '../../scripts/lib';
import { readExample } from './n8n';

/** Example (a): webhook → start → wait → respond. */
export const EXAMPLE_WEBHOOK = 'webhook-start-wait-respond.json';
/** Example (b): plan and result approval by email. */
export const EXAMPLE_EMAIL_APPROVAL = 'approval-email.json';

export const DYNAMIC_WORKFLOW_TYPE = 'n8n-nodes-dynamic-workflows.dynamicWorkflow';
export const WAIT_FOR_CONVERGENCE_TYPE = 'n8n-nodes-dynamic-workflows.waitForConvergence';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function nodeOfType(wf: WorkflowJson, type: string): WorkflowNode {
  const node = wf.nodes.find((n) => n.type === type);
  if (!node) throw new Error(`Workflow ${wf.name} has no ${type} node`);
  return node;
}

export function webhookPathOf(wf: WorkflowJson): string {
  const path = nodeOfType(wf, 'n8n-nodes-base.webhook').parameters.path;
  if (typeof path !== 'string') throw new Error(`Workflow ${wf.name} has no webhook path`);
  return path;
}

/** A copy of a workflow under another id, name and webhook path (so it can sit beside the original). */
function renamed(wf: WorkflowJson, id: string, name: string, webhookPath: string): WorkflowJson {
  const copy = clone(wf);
  copy.id = id;
  copy.name = name;
  for (const node of copy.nodes) {
    if (node.webhookId) node.webhookId = crypto.randomUUID();
    if (node.type === 'n8n-nodes-base.webhook') node.parameters.path = webhookPath;
  }
  return copy;
}

/** Example (a) whose runs may spend almost nothing, so they fail with a budget error. */
export function budgetVariant(maxUsd: number): WorkflowJson {
  const wf = renamed(readExample(EXAMPLE_WEBHOOK), 'dwE2eBudget00001', 'e2e: tiny budget', 'dw-e2e-budget');
  const start = nodeOfType(wf, DYNAMIC_WORKFLOW_TYPE);
  start.parameters.limits = { ...(start.parameters.limits as Record<string, unknown> | undefined), maxUsd };
  return wf;
}

/**
 * Example (a) for the restart test: the webhook answers at once, the run waits for plan
 * approval (so the execution is waiting for as long as the test wants), and each of the
 * Wait node's outputs posts what it got to `receiverUrl/<output>` instead of answering the
 * webhook (the webhook's connection does not survive a restart).
 */
export function restartVariant(receiverUrl: string): WorkflowJson {
  const wf = renamed(readExample(EXAMPLE_WEBHOOK), 'dwE2eRestart0001', 'e2e: restart while waiting', 'dw-e2e-restart');
  nodeOfType(wf, 'n8n-nodes-base.webhook').parameters.responseMode = 'onReceived';
  nodeOfType(wf, DYNAMIC_WORKFLOW_TYPE).parameters.approvePlan = true;
  const wait = nodeOfType(wf, WAIT_FOR_CONVERGENCE_TYPE);
  wait.parameters.events = ['converged', 'failed', 'cancelled'];
  const outputs = ['timed-out', 'converged', 'failed', 'awaiting-approval'];
  const posters: WorkflowNode[] = outputs.map((output, i) => ({
    id: crypto.randomUUID(),
    name: `Post ${output}`,
    type: 'n8n-nodes-base.httpRequest',
    typeVersion: 4.2,
    position: [700, -300 + i * 180],
    parameters: {
      method: 'POST',
      url: `${receiverUrl}/${output}`,
      sendBody: true,
      specifyBody: 'json',
      jsonBody:
        '={{ JSON.stringify({ runId: $json.runId ?? $json.id, status: $json.status, result: $json.result, error: $json.error, usage: $json.usage, executionId: $execution.id }) }}',
      options: {},
    },
  }));
  wf.nodes = [...wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.respondToWebhook'), ...posters];
  const connections = wf.connections as Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;
  connections[wait.name] = { main: posters.map((p) => [{ node: p.name, type: 'main', index: 0 }]) };
  return wf;
}
