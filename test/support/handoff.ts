import { randomUUID } from 'node:crypto';
import type { SidecarProcess } from '../../scripts/lib';
import { readExample, type WorkflowJson } from './n8n';
import { DYNAMIC_WORKFLOW_TYPE, EXAMPLE_WEBHOOK, WAIT_FOR_CONVERGENCE_TYPE, nodeOfType } from './workflows';

/** The webhook path of givenRunVariant(). */
export const GIVEN_RUN_PATH = 'dw-e2e-given-run';

type Connections = Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;

/**
 * Example (a) without its Start node: the webhook's body names a run (`{runId}`) started
 * elsewhere, and Wait for Convergence waits for it, so a test can hand it a run that has
 * already converged.
 */
export function givenRunVariant(): WorkflowJson {
  const wf = JSON.parse(JSON.stringify(readExample(EXAMPLE_WEBHOOK))) as WorkflowJson;
  wf.id = 'dwE2eGivenRun001';
  wf.name = 'e2e: wait for a given run';
  const hook = nodeOfType(wf, 'n8n-nodes-base.webhook');
  hook.parameters.path = GIVEN_RUN_PATH;
  hook.webhookId = randomUUID();
  const start = nodeOfType(wf, DYNAMIC_WORKFLOW_TYPE);
  const wait = nodeOfType(wf, WAIT_FOR_CONVERGENCE_TYPE);
  wait.parameters.runId = '={{ $json.body.runId }}';
  wf.nodes = wf.nodes.filter((n) => n !== start);
  const connections = wf.connections as Connections;
  delete connections[start.name];
  connections[hook.name] = { main: [[{ node: wait.name, type: 'main', index: 0 }]] };
  return wf;
}

/** A callback delivery outcome among a run's events. */
export interface CallbackEvent {
  readonly type: string;
  readonly status?: string;
  readonly httpStatus?: number;
  readonly reason?: string;
}

/**
 * The callback.delivered and callback.failed events of a run: its stored events replayed over
 * SSE (GET /v1/runs/:id/events), read until the stream has been quiet for `quietMs`.
 */
export async function callbackEventsOf(sidecar: SidecarProcess, runId: string, quietMs = 500): Promise<CallbackEvent[]> {
  const controller = new AbortController();
  const res = await fetch(`${sidecar.url}/v1/runs/${encodeURIComponent(runId)}/events`, {
    headers: { authorization: `Bearer ${sidecar.token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`GET /v1/runs/${runId}/events answered ${res.status}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const quiet = new Promise<'quiet'>((resolve) => {
        timer = setTimeout(() => resolve('quiet'), quietMs);
      });
      const next = await Promise.race([reader.read(), quiet]);
      clearTimeout(timer);
      if (next === 'quiet' || next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
  } finally {
    controller.abort();
  }
  const events: CallbackEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const stored = JSON.parse(line.slice('data: '.length)) as { event: CallbackEvent };
    if (stored.event.type.startsWith('callback.')) events.push(stored.event);
  }
  return events;
}

/** The sidecar's log lines about retrying a callback delivery of this run (its JSON log). */
export function callbackRetriesOf(sidecar: SidecarProcess, runId: string): Array<{ reason: string; delayMs: number }> {
  return sidecar
    .logs()
    .split('\n')
    .filter((line) => line.includes(runId) && line.includes('callback delivery will be retried'))
    .map((line) => JSON.parse(line) as { reason: string; delayMs: number });
}
