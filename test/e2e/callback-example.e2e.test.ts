import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { readExample, startN8n, type N8nInstance, type WorkflowJson } from '../support/n8n';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver';
import { findRunByTask, getRun, startSidecar, type SidecarProcess } from '../support/sidecar';
import { removeTempDirs } from '../support/temp';
import { waitFor } from '../support/wait';
import { DYNAMIC_WORKFLOW_TYPE, nodeOfType, webhookPathOf } from '../support/workflows';
import { describeE2e } from '../support/e2e';

// The 202 + callback example: the webhook answers at once with the run id, and the converged
// result goes to the caller's callbackUrl (the pattern for proxies that cut long requests and
// for n8n's queue mode). One sidecar and one n8n for the whole file.
const EXAMPLE_CALLBACK = 'webhook-202-callback.json';
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const example = readExample(EXAMPLE_CALLBACK);

/** The example under another id and webhook path, with a USD budget no run can keep. */
function budgetVariant(): WorkflowJson {
  const wf = JSON.parse(JSON.stringify(example)) as WorkflowJson;
  wf.id = 'dwE2eCallbackBdg';
  wf.name = 'e2e: 202 + callback, tiny budget';
  const webhook = nodeOfType(wf, 'n8n-nodes-base.webhook');
  webhook.parameters.path = 'dw-e2e-callback-budget';
  webhook.webhookId = randomUUID();
  const start = nodeOfType(wf, DYNAMIC_WORKFLOW_TYPE);
  start.parameters.limits = { ...(start.parameters.limits as Record<string, unknown> | undefined), maxUsd: 0.000001 };
  return wf;
}

describeE2e('example: webhook → start → 202 → wait → callback, in a real n8n', () => {
  let sidecar: SidecarProcess;
  let n8n: N8nInstance;
  let receiver: Receiver;

  beforeAll(async () => {
    await Promise.all([
      // Each model call of the offline model takes a second, so a run lasts several seconds
      // and "the 202 comes before the result" is something the test can see.
      startSidecar({ label: 'callback-e2e', env: { DW_OFFLINE_LATENCY_MS: '1000' } }).then((started) => (sidecar = started)),
      startReceiver().then((started) => (receiver = started)),
    ]);
    n8n = await startN8n({
      label: 'callback-e2e',
      workflows: [path.join(EXAMPLES, EXAMPLE_CALLBACK), budgetVariant()],
      credentials: { dynamicWorkflowsApi: { baseUrl: sidecar.url, token: sidecar.token } },
    });
  }, 420_000);

  afterAll(async () => {
    await n8n?.stop();
    await sidecar?.stop();
    await receiver?.close();
    removeTempDirs();
  }, 120_000);

  const diagnose = (): string =>
    `--- n8n ---\n${n8n.logs().split('\n').slice(-40).join('\n')}\n--- sidecar ---\n${sidecar.logs().split('\n').slice(-40).join('\n')}`;

  async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; at: number }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    const at = Date.now();
    try {
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, at };
    } catch {
      throw new Error(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 500)}`);
    }
  }

  const callbacksTo = (callbackPath: string): ReceivedRequest[] => receiver.requests.filter((r) => r.path === callbackPath);

  function waitForCallback(callbackPath: string, what: string): Promise<ReceivedRequest> {
    return waitFor(() => callbacksTo(callbackPath)[0], { what, timeoutMs: 120_000, intervalMs: 200, diagnose });
  }

  /** Gives n8n's retries and the sidecar's callback retries time to show a second post, then counts. */
  async function expectExactlyOnce(callbackPath: string): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(callbacksTo(callbackPath)).toHaveLength(1);
  }

  test('answers 202 with the run id at once, then posts {runId, status, result} to the callbackUrl exactly once', async () => {
    const m = `e2e-${randomUUID()}`;
    const task = `Research question: what does HTTP status 202 mean for a client? (${m})`;
    const callbackPath = `/callback/${m}`;

    const res = await postJson(n8n.webhookUrl(webhookPathOf(example)), {
      task,
      input: { audience: 'API users' },
      callbackUrl: `${receiver.url}${callbackPath}`,
    });

    // At once: the answer carries the run id while the run is still going and nothing was posted yet.
    expect(res.status).toBe(202);
    expect(Object.keys(res.body)).toEqual(['runId']);
    const runId = String(res.body.runId);
    expect(runId).not.toBe('');
    const atAnswer = await getRun(sidecar, runId);
    expect(atAnswer.task).toContain(m);
    expect(['queued', 'planning', 'running']).toContain(atAnswer.status);
    expect(callbacksTo(callbackPath)).toHaveLength(0);

    const posted = await waitForCallback(callbackPath, `the flow to post run ${runId} to the callback URL`);
    const run = await getRun(sidecar, runId);
    expect(run.status).toBe('converged');
    expect(run.result).not.toBeNull();
    expect(posted.method).toBe('POST');
    expect(posted.headers['content-type']).toContain('application/json');
    expect(posted.at).toBeGreaterThan(res.at);
    expect(posted.body).toEqual({ runId, status: 'converged', result: run.result, usage: run.usage });

    await expectExactlyOnce(callbackPath);
  }, 180_000);

  test('a failed run posts status failed with the error code and message', async () => {
    const m = `e2e-${randomUUID()}`;
    const task = `Research question: why do budgets matter? (${m})`;
    const callbackPath = `/callback/${m}`;

    const res = await postJson(n8n.webhookUrl('dw-e2e-callback-budget'), { task, callbackUrl: `${receiver.url}${callbackPath}` });
    expect(res.status).toBe(202);
    const runId = String(res.body.runId);

    const posted = await waitForCallback(callbackPath, `the flow to post failed run ${runId}`);
    const run = await getRun(sidecar, runId);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('budget_usd');
    expect(posted.body).toEqual({
      runId,
      status: 'failed',
      result: null,
      error: { code: 'budget_usd', message: run.error?.message },
    });
    await expectExactlyOnce(callbackPath);
  }, 180_000);

  test('refuses a request without a callbackUrl with 400 and starts no run', async () => {
    const m = `e2e-${randomUUID()}`;
    const task = `Research question: where would the answer go? (${m})`;

    const res = await postJson(n8n.webhookUrl(webhookPathOf(example)), { task });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'callback_url_required' } });
    expect(await findRunByTask(sidecar, m)).toBeUndefined();
  }, 60_000);
});
