import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ParsedMail } from '../support/mail';
import { executionsOf, nodeOutput, readExample, startN8n, waitForExecution, type N8nExecution, type N8nInstance } from '../support/n8n';
import { startReceiver, type Receiver } from '../support/receiver';
import { findRunByTask, getRun, startSidecar, type RunRecord, type SidecarProcess } from '../support/sidecar';
import { startMailCatcher, type MailCatcher } from '../support/smtp';
import { removeTempDirs } from '../support/temp';
import { waitFor } from '../support/wait';
import { EXAMPLE_EMAIL_APPROVAL, EXAMPLE_WEBHOOK, budgetVariant, restartVariant, webhookPathOf } from '../support/workflows';
import { GIVEN_RUN_PATH, callbackEventsOf, callbackRetriesOf, givenRunVariant } from '../support/handoff';
import { describeE2e } from '../support/e2e';

// One sidecar and one n8n for the whole file: an n8n start costs tens of seconds on two
// cores, so only the restart test restarts it (and it runs last).
const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const exampleWebhook = readExample(EXAMPLE_WEBHOOK);
const exampleEmail = readExample(EXAMPLE_EMAIL_APPROVAL);

describeE2e('n8n with the node package and the real sidecar', () => {
  let sidecar: SidecarProcess;
  let n8n: N8nInstance;
  let mail: MailCatcher;
  let receiver: Receiver;

  beforeAll(async () => {
    // Assigned as each one is up, so afterAll stops what started even when another failed.
    await Promise.all([
      startSidecar({ label: 'n8n-e2e' }).then((started) => (sidecar = started)),
      startMailCatcher().then((started) => (mail = started)),
      startReceiver().then((started) => (receiver = started)),
    ]);
    n8n = await startN8n({
      label: 'n8n-e2e',
      workflows: [
        path.join(EXAMPLES, EXAMPLE_WEBHOOK),
        path.join(EXAMPLES, EXAMPLE_EMAIL_APPROVAL),
        budgetVariant(0.000001),
        restartVariant(receiver.url),
        givenRunVariant(),
      ],
      credentials: {
        dynamicWorkflowsApi: { baseUrl: sidecar.url, token: sidecar.token },
        smtp: mail.credentialData,
      },
    });
  }, 420_000);

  afterAll(async () => {
    await n8n?.stop();
    await sidecar?.stop();
    await mail?.close();
    await receiver?.close();
    removeTempDirs();
  }, 120_000);

  const marker = (): string => `e2e-${randomUUID()}`;

  /** What the example webhooks answer: the converged result or the failure, with the run id and usage. */
  type WebhookAnswer = {
    status: string;
    runId: string;
    result: unknown;
    usage: { inputTokens: number; outputTokens: number };
    error: { code: string; message: string };
  };

  async function postJson(url: string, body: unknown): Promise<{ status: number; body: WebhookAnswer }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(180_000),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as WebhookAnswer };
    } catch {
      throw new Error(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 500)}`);
    }
  }

  const diagnose = (): string =>
    `--- n8n ---\n${n8n.logs().split('\n').slice(-40).join('\n')}\n--- sidecar ---\n${sidecar.logs().split('\n').slice(-40).join('\n')}`;

  function waitForRun(task: string, accept: (r: RunRecord) => boolean, what: string, timeoutMs = 90_000): Promise<RunRecord> {
    return waitFor(
      async () => {
        const run = await findRunByTask(sidecar, task);
        return run && accept(run) ? run : undefined;
      },
      { what, timeoutMs, intervalMs: 300, diagnose },
    );
  }

  /** A browser's user agent: n8n ignores approval links opened by bots (mail scanners). */
  const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

  /**
   * Clicks a link in a mail as a reviewer does in a browser (GET). The mail goes out just
   * before n8n saves the execution as waiting; until then n8n answers 409 "is running
   * already", so a click that quick is repeated, as a person would.
   */
  async function follow(mailMsg: ParsedMail, pattern: RegExp): Promise<void> {
    const link = mailMsg.links.find((l) => pattern.test(l));
    if (!link) throw new Error(`No link matching ${pattern} in mail "${mailMsg.subject}": ${mailMsg.links.join(', ')}`);
    const status = await waitFor(
      async () => {
        const res = await fetch(link, { headers: { 'user-agent': BROWSER_UA }, signal: AbortSignal.timeout(60_000) });
        const text = await res.text();
        return res.status === 409 && /running already/.test(text) ? undefined : res.status;
      },
      { what: `n8n to take the link ${link}`, timeoutMs: 30_000, intervalMs: 500, diagnose },
    );
    expect(status).toBeLessThan(400);
  }

  const mailAbout =
    (needle: string, subject: RegExp) =>
    (m: ParsedMail): boolean =>
      subject.test(m.subject) && `${m.text}\n${m.html}\n${m.subject}`.includes(needle);

  /** The finished execution of a workflow in which `nodeName` output an item with this runId. */
  async function finishedExecutionFor(workflowId: string, nodeName: string, runId: string, timeoutMs = 90_000): Promise<N8nExecution> {
    return waitFor(
      async () => {
        for (const summary of await executionsOf(n8n, workflowId)) {
          if (summary.status !== 'success' && summary.status !== 'error') continue;
          const exec = await n8n.rest.getExecution(summary.id);
          const out = nodeOutput(exec, nodeName);
          if (out && (out.runId === runId || out.id === runId)) return exec;
        }
        return undefined;
      },
      { what: `an execution of ${workflowId} where ${nodeName} handled run ${runId}`, timeoutMs, intervalMs: 500, diagnose },
    );
  }

  test('example (a) answers its webhook with the converged result, run id and usage of a real run', async () => {
    const m = marker();
    const task = `Research question: what does HTTP status 429 mean for a client? (${m})`;

    const res = await postJson(n8n.webhookUrl(webhookPathOf(exampleWebhook)), { task, input: { audience: 'API users' } });

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('converged');
    const run = await getRun(sidecar, res.body.runId);
    expect(run.task).toContain(m);
    expect(run.status).toBe('converged');
    expect(res.body.result).toEqual(run.result);
    expect(res.body.result).not.toBeNull();
    expect(res.body.usage).toEqual(run.usage);
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
    expect(res.body.usage.outputTokens).toBeGreaterThan(0);
  }, 180_000);

  test('a run over its USD budget resumes the flow on the failure path with the error code and message', async () => {
    const m = marker();
    const task = `Research question: why do budgets matter? (${m})`;

    const res = await postJson(n8n.webhookUrl('dw-e2e-budget'), { task });

    expect(res.status).toBe(500);
    expect(res.body.status).toBe('failed');
    const run = await getRun(sidecar, res.body.runId);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('budget_usd');
    expect(res.body.error.code).toBe(run.error?.code);
    expect(res.body.error.message).toBe(run.error?.message);
    expect(res.body.error.message.length).toBeGreaterThan(0);
  }, 180_000);

  test('example (b): approving the plan and then the result by mail runs the flow to its end', async () => {
    const m = marker();
    const task = `Research question: which review steps catch the most bugs? (${m})`;

    const started = await postJson(n8n.webhookUrl(webhookPathOf(exampleEmail)), { task });
    expect(started.status).toBe(200);

    const planMail = await mail.waitForMail(mailAbout(m, /^Approve the plan of run /), 'the plan approval mail', 120_000);
    const runId = /^Approve the plan of run (\S+)\?$/.exec(planMail.subject)?.[1] ?? '';
    expect((await getRun(sidecar, runId)).status).toBe('awaiting_approval');
    await follow(planMail, /approved=true/);

    const resultMail = await mail.waitForMail(
      (x) => x.subject === `Accept the result of run ${runId}?`,
      'the result approval mail',
      120_000,
    );
    const run = await getRun(sidecar, runId);
    expect(run.status).toBe('converged');
    await follow(resultMail, /approved=true/);

    const exec = await finishedExecutionFor(exampleEmail.id ?? '', 'Done', runId);
    expect(exec.status).toBe('success');
    const done = nodeOutput(exec, 'Done');
    expect(done).toMatchObject({ runId, accepted: true });
    expect(done?.result).toEqual(run.result);
  }, 300_000);

  test('example (b): rejecting the plan by mail cancels the run', async () => {
    const m = marker();
    const task = `Research question: is this plan worth running? (${m})`;

    const started = await postJson(n8n.webhookUrl(webhookPathOf(exampleEmail)), { task });
    expect(started.status).toBe(200);

    const planMail = await mail.waitForMail(mailAbout(m, /^Approve the plan of run /), 'the plan approval mail', 120_000);
    const runId = /^Approve the plan of run (\S+)\?$/.exec(planMail.subject)?.[1] ?? '';
    await follow(planMail, /approved=false/);

    const run = await waitFor(
      async () => {
        const r = await getRun(sidecar, runId);
        return r.status === 'cancelled' ? r : undefined;
      },
      { what: `run ${runId} to be cancelled`, timeoutMs: 60_000, diagnose },
    );
    expect(run.result ?? null).toBeNull();
    const exec = await finishedExecutionFor(exampleEmail.id ?? '', 'Reject Plan', runId);
    expect(exec.status).toBe('success');
    expect(nodeOutput(exec, 'Wait for Result')).toBeUndefined();
    expect(mail.mails.some((x) => x.subject === `Accept the result of run ${runId}?`)).toBe(false);
  }, 240_000);

  test('a run that converged before Wait for Convergence looks goes on at once: no callback registered or delivered', async () => {
    const m = marker();
    const started = await sidecar.api<RunRecord>('POST', '/v1/runs', { task: `Research question: what makes a retry safe? (${m})` });
    expect(started.status).toBe(201);
    const runId = started.body.id;
    const run = await waitFor(
      async () => {
        const r = await getRun(sidecar, runId);
        return r.status === 'converged' ? r : undefined;
      },
      { what: `run ${runId} to converge`, timeoutMs: 90_000, diagnose },
    );

    const res = await postJson(n8n.webhookUrl(GIVEN_RUN_PATH), { runId });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ runId, status: 'converged' });
    expect(res.body.result).toEqual(run.result);
    // Nothing registered, so nothing is delivered later either (a parked execution would have needed a callback).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await callbackEventsOf(sidecar, runId)).toEqual([]);
    expect(callbackRetriesOf(sidecar, runId)).toEqual([]);
  }, 180_000);

  test('example (a): a fast run reaches n8n once and without the backoff, whichever of run and Wait node is first', async () => {
    const m = marker();
    const res = await postJson(n8n.webhookUrl(webhookPathOf(exampleWebhook)), { task: `Research question: what is a race? (${m})` });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('converged');

    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Either the Wait node found the run done (no callback at all) or it parked and one callback resumed it.
    const callbacks = await callbackEventsOf(sidecar, res.body.runId);
    expect(callbacks.filter((e) => e.type !== 'callback.delivered')).toEqual([]);
    expect(callbacks.length).toBeLessThanOrEqual(1);
    // n8n's 409 "is running already" (a callback faster than the parking) is retried within
    // milliseconds: no retry of this run's callback waited on the normal backoff (500 ms and up).
    for (const retry of callbackRetriesOf(sidecar, res.body.runId)) {
      expect(retry.reason).toContain('not waiting yet');
      expect(retry.delayMs).toBeLessThan(500);
    }
  }, 180_000);

  // Last: it restarts n8n.
  test('an execution waiting for a run survives an n8n restart and resumes exactly once with the result', async () => {
    const m = marker();
    const task = `Research question: what survives a restart? (${m})`;
    const workflowId = 'dwE2eRestart0001';

    const started = await postJson(n8n.webhookUrl('dw-e2e-restart'), { task });
    expect(started.status).toBe(200);
    const awaiting = await waitForRun(task, (r) => r.status === 'awaiting_approval', 'the run to wait for plan approval');
    const waiting = await waitForExecution(n8n, workflowId, (e) => e.status === 'waiting', 'the execution to wait for the run');

    await n8n.restart();

    const [afterRestart] = (await executionsOf(n8n, workflowId)).filter((e) => e.id === waiting.id);
    expect(afterRestart?.status).toBe('waiting');
    const approved = await sidecar.api('POST', `/v1/runs/${awaiting.id}/approve`, { approved: true, comment: 'e2e' });
    expect(approved.status).toBeLessThan(300);

    const posted = await receiver.waitForRequest(
      (r) => (r.body as { runId?: string } | null)?.runId === awaiting.id,
      'the flow to post the run',
      120_000,
    );
    const run = await getRun(sidecar, awaiting.id);
    expect(posted.path).toBe('/converged');
    expect(posted.body).toMatchObject({ runId: run.id, status: 'converged', result: run.result, executionId: waiting.id });

    // Exactly once: no second post and no second execution, even after the sidecar had time to retry.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(receiver.requests.filter((r) => (r.body as { runId?: string } | null)?.runId === run.id)).toHaveLength(1);
    const executions = await executionsOf(n8n, workflowId);
    expect(executions.map((e) => [e.id, e.status])).toEqual([[waiting.id, 'success']]);
  }, 420_000);
});
