import { randomUUID } from 'node:crypto';
import { executionsOf, startN8n, waitForExecution, type N8nInstance } from '../support/n8n';
import { startReceiver, type ReceivedRequest, type Receiver } from '../support/receiver';
import { getRun, listRuns, startSidecar, type RunRecord, type SidecarProcess } from '../support/sidecar';
import { removeTempDirs } from '../support/temp';
import { waitFor } from '../support/wait';
import { callbackEventsOf } from '../support/handoff';
import { fanInPath, fanInVariant, fanInWorkflowId } from '../support/fan-in';
import { describeE2e } from '../support/e2e';

const ITEMS = 20;
const FAN_IN_PATH = fanInPath();
const FAN_IN_WORKFLOW_ID = fanInWorkflowId();

/** What the workflow posts from an output of Wait for Convergence: every item of that output at once. */
interface Posted {
  readonly output: string;
  readonly executionId: string;
  readonly runs: ReadonlyArray<{ runId: string; status: string; result: unknown; ended: boolean; itemIndex: number }>;
}

// One sidecar and one n8n; the restart test runs last.
describeE2e('fan-in: Wait for Convergence over the runs of 20 items in a real n8n', () => {
  let sidecar: SidecarProcess;
  let n8n: N8nInstance;
  let receiver: Receiver;

  beforeAll(async () => {
    await Promise.all([
      startSidecar({ label: 'fan-in-e2e' }).then((started) => (sidecar = started)),
      startReceiver().then((started) => (receiver = started)),
    ]);
    n8n = await startN8n({
      label: 'fan-in-e2e',
      workflows: [fanInVariant()],
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

  async function startFanIn(marker: string, hold: boolean): Promise<void> {
    const items = Array.from({ length: ITEMS }, (_, n) => ({ task: `Fan-in item ${n} (${marker})`, n, hold }));
    const res = await fetch(n8n.webhookUrl(FAN_IN_PATH), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items, callbackUrl: `${receiver.url}/fan-in` }),
      signal: AbortSignal.timeout(60_000),
    });
    expect(res.status).toBe(200);
  }

  /** The 20 runs of a marker once `accept` holds for them (sorted by item). */
  async function runsOf(marker: string, accept: (runs: RunRecord[]) => boolean, what: string): Promise<RunRecord[]> {
    const item = (r: RunRecord) => Number(/^Fan-in item (\d+) /.exec(r.task)?.[1]);
    return waitFor(
      async () => {
        const runs = (await listRuns(sidecar)).filter((r) => r.task.includes(marker)).sort((x, y) => item(x) - item(y));
        return runs.length === ITEMS && accept(runs) ? runs : undefined;
      },
      { what, timeoutMs: 120_000, intervalMs: 500, diagnose },
    );
  }

  const postsOf = (executionId: string): ReceivedRequest[] =>
    receiver.requests.filter((r) => (r.body as Posted | null)?.executionId === executionId);

  /** Checks the one post of an execution: all 20 runs converged, each once, with the sidecar's result, in item order. */
  async function expectAllConverged(posted: ReceivedRequest, marker: string): Promise<void> {
    const body = posted.body as Posted;
    expect(body.output).toBe('converged');
    expect(body.runs).toHaveLength(ITEMS);
    expect(new Set(body.runs.map((r) => r.runId)).size).toBe(ITEMS);
    expect(body.runs.map((r) => r.itemIndex)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    for (const [i, item] of body.runs.entries()) {
      const run = await getRun(sidecar, item.runId);
      expect(run.task).toBe(`Fan-in item ${i} (${marker})`);
      expect(run.status).toBe('converged');
      expect(item).toMatchObject({ status: 'converged', ended: true });
      expect(item.result).toEqual(run.result);
      expect(item.result).toMatchObject({ n: i });
    }
  }

  test('20 items → 20 runs → the execution parks once → one callback → all 20 results out on Converged, once', async () => {
    const marker = `e2e-${randomUUID()}`;
    const before = new Set((await executionsOf(n8n, FAN_IN_WORKFLOW_ID)).map((e) => e.id));
    await startFanIn(marker, true);
    const held = await runsOf(marker, (runs) => runs.every((r) => r.status === 'awaiting_approval'), '20 runs held at plan approval');
    const waiting = await waitForExecution(
      n8n,
      FAN_IN_WORKFLOW_ID,
      (e) => !before.has(e.id) && e.status === 'waiting',
      'the fan-in execution to wait for its runs',
      120_000,
    );
    // Some runs converge while the others are still held: the execution keeps waiting for all.
    for (const run of held.slice(0, 10)) await sidecar.api('POST', `/v1/runs/${run.id}/approve`, { approved: true });
    await runsOf(marker, (runs) => runs.filter((r) => r.status === 'converged').length === 10, 'half of the runs to converge');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(postsOf(waiting.id)).toEqual([]);
    for (const run of held.slice(10)) await sidecar.api('POST', `/v1/runs/${run.id}/approve`, { approved: true });

    const posted = await receiver.waitForRequest(
      (r) => (r.body as Posted | null)?.executionId === waiting.id,
      'the fan-in workflow to post its 20 runs',
      180_000,
    );
    await expectAllConverged(posted, marker);

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(postsOf(waiting.id)).toHaveLength(1);
    const executions = (await executionsOf(n8n, FAN_IN_WORKFLOW_ID)).filter((e) => !before.has(e.id));
    expect(executions.map((e) => [e.id, e.status])).toEqual([[waiting.id, 'success']]);
    // One callback for the whole group, recorded in every run's events; never one per run.
    for (const run of [held[0]!, held[19]!]) {
      const events = await callbackEventsOf(sidecar, run.id);
      expect(events.map((e) => [e.type, e.status])).toEqual([['callback.delivered', 'converged']]);
    }
  }, 300_000);

  test('20 runs that need no approval: all 20 results out once, whether they ended before the node looked or after', async () => {
    const marker = `e2e-${randomUUID()}`;
    const before = new Set((await executionsOf(n8n, FAN_IN_WORKFLOW_ID)).map((e) => e.id));
    await startFanIn(marker, false);

    const finished = await waitForExecution(
      n8n,
      FAN_IN_WORKFLOW_ID,
      (e) => !before.has(e.id) && (e.status === 'success' || e.status === 'error'),
      'the fan-in execution to finish',
      180_000,
    );
    expect(finished.status).toBe('success');
    const [posted, ...more] = postsOf(finished.id);
    expect(more).toEqual([]);
    await expectAllConverged(posted!, marker);
  }, 300_000);

  // Last: it restarts n8n.
  test('an execution waiting for 20 runs survives an n8n restart and resumes exactly once with all 20', async () => {
    const marker = `e2e-${randomUUID()}`;
    const before = new Set((await executionsOf(n8n, FAN_IN_WORKFLOW_ID)).map((e) => e.id));
    await startFanIn(marker, true);

    const held = await runsOf(marker, (runs) => runs.every((r) => r.status === 'awaiting_approval'), '20 runs held at plan approval');
    const waiting = await waitForExecution(
      n8n,
      FAN_IN_WORKFLOW_ID,
      (e) => !before.has(e.id) && e.status === 'waiting',
      'the fan-in execution to wait for its runs',
      120_000,
    );

    await n8n.restart();

    const [afterRestart] = (await executionsOf(n8n, FAN_IN_WORKFLOW_ID)).filter((e) => e.id === waiting.id);
    expect(afterRestart?.status).toBe('waiting');
    for (const run of held) {
      const approved = await sidecar.api('POST', `/v1/runs/${run.id}/approve`, { approved: true, comment: 'e2e' });
      expect(approved.status).toBeLessThan(300);
    }

    const posted = await receiver.waitForRequest(
      (r) => (r.body as Posted | null)?.executionId === waiting.id,
      'the resumed execution to post its 20 runs',
      180_000,
    );
    await expectAllConverged(posted, marker);

    // Exactly once: no second post and no second execution, even after the sidecar had time to retry.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(postsOf(waiting.id)).toHaveLength(1);
    const executions = (await executionsOf(n8n, FAN_IN_WORKFLOW_ID)).filter((e) => !before.has(e.id));
    expect(executions.map((e) => [e.id, e.status])).toEqual([[waiting.id, 'success']]);
    const events = await callbackEventsOf(sidecar, held[0]!.id);
    expect(events.map((e) => [e.type, e.status])).toEqual([['callback.delivered', 'converged']]);
  }, 600_000);
});
