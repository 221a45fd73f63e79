import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { SIDECAR_MAIN, type WorkflowJson } from '../../scripts/lib';
import { startN8n, type N8nInstance } from '../support/n8n';
import { listRuns, startSidecar, type SidecarProcess } from '../support/sidecar';
import { removeTempDirs } from '../support/temp';
import { DYNAMIC_WORKFLOW_TYPE } from '../support/workflows';
import { describeE2e } from '../support/e2e';

// n8n's AI Agent with n8n's Anthropic Chat Model calls the Dynamic Workflow node as a tool
// (Run and Wait): the chat model's credential points at the offline Anthropic-compatible model
// server, whose `[offline:tool=NAME {json}]` directive makes the agent's first turn call our
// tool; the tool runs a dynamic workflow on the sidecar, and the agent's answer quotes it.

const WORKFLOW_ID = 'dwE2eAiAgent0001';
const WEBHOOK_PATH = 'dw-e2e-ai-agent';
const TOOL_NODE_NAME = 'Dynamic Workflow';
/** n8n names a tool after its node, spaces as underscores. */
const TOOL_NAME = TOOL_NODE_NAME.replace(/ /g, '_');
const ANTHROPIC_CREDENTIAL = { id: 'dwAnthropicCred1', name: 'Anthropic (offline model)' };
const SIDECAR_CREDENTIAL = { id: 'dwSidecarCred001', name: 'Dynamic Workflows sidecar' };

/** The offline model server (`offline-model --port 0`), which prints `{"url": …}` when it listens. */
async function startModelServer(): Promise<{ url: string; process: ChildProcess; logs: () => string }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', SIDECAR_MAIN, 'offline-model', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let first = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      first += d.toString();
      const nl = first.indexOf('\n');
      if (nl >= 0) {
        try {
          resolve((JSON.parse(first.slice(0, nl)) as { url: string }).url);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the offline model server exited (${code}): ${out}`)));
  });
  return { url, process: child, logs: () => out };
}

/** Webhook → AI Agent (Anthropic Chat Model, Dynamic Workflow tool with Run and Wait); the webhook answers with the agent's output. */
function agentWorkflow(): WorkflowJson {
  return {
    id: WORKFLOW_ID,
    name: 'e2e: AI Agent calls Dynamic Workflow (Run and Wait)',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      {
        id: randomUUID(),
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2.1,
        position: [0, 0],
        webhookId: randomUUID(),
        parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'lastNode', options: {} },
      },
      {
        id: randomUUID(),
        name: 'AI Agent',
        type: '@n8n/n8n-nodes-langchain.agent',
        typeVersion: 3.1,
        position: [220, 0],
        parameters: { promptType: 'define', text: '={{ $json.body.prompt }}', options: {} },
      },
      {
        id: randomUUID(),
        name: 'Anthropic Chat Model',
        type: '@n8n/n8n-nodes-langchain.lmChatAnthropic',
        typeVersion: 1.6,
        position: [160, 220],
        parameters: { model: { __rl: true, mode: 'id', value: 'claude-sonnet-5-5' }, options: {} },
        credentials: { anthropicApi: ANTHROPIC_CREDENTIAL },
      },
      {
        id: randomUUID(),
        name: TOOL_NODE_NAME,
        type: `${DYNAMIC_WORKFLOW_TYPE}Tool`,
        typeVersion: 1,
        position: [360, 220],
        parameters: {
          resource: 'run',
          operation: 'runAndWait',
          task: "={{ $fromAI('task', 'What to achieve', 'string') }}",
          inputSource: 'json',
          input: "={{ $fromAI('input', 'JSON data', 'json') }}",
          tools: [],
          approvePlan: false,
          limits: { maxUsd: 5 },
          maxWait: 2,
        },
        credentials: { dynamicWorkflowsApi: SIDECAR_CREDENTIAL },
      },
    ],
    connections: {
      Webhook: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
      'Anthropic Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
      [TOOL_NODE_NAME]: { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
    },
  } as WorkflowJson;
}

describeE2e("n8n's AI Agent (Anthropic Chat Model) calls the Dynamic Workflow tool with Run and Wait", () => {
  let sidecar: SidecarProcess;
  let model: Awaited<ReturnType<typeof startModelServer>>;
  let n8n: N8nInstance;

  beforeAll(async () => {
    await Promise.all([
      startSidecar({ label: 'ai-agent-e2e' }).then((started) => (sidecar = started)),
      startModelServer().then((started) => (model = started)),
    ]);
    n8n = await startN8n({
      label: 'ai-agent-e2e',
      workflows: [agentWorkflow()],
      credentials: {
        dynamicWorkflowsApi: { baseUrl: sidecar.url, token: sidecar.token },
        anthropicApi: { apiKey: 'sk-ant-offline-test-key', url: model.url },
      },
    });
  }, 420_000);

  afterAll(async () => {
    await n8n?.stop();
    await sidecar?.stop();
    if (model && model.process.exitCode === null && model.process.signalCode === null) {
      const exited = new Promise((resolve) => model.process.once('exit', resolve));
      model.process.kill('SIGTERM');
      await exited;
    }
    removeTempDirs();
  }, 120_000);

  const diagnose = (): string =>
    `--- n8n ---\n${n8n.logs().split('\n').slice(-60).join('\n')}\n--- sidecar ---\n${sidecar
      .logs()
      .split('\n')
      .slice(-40)
      .join('\n')}\n--- model ---\n${model.logs().split('\n').slice(-20).join('\n')}`;

  test('the agent runs a dynamic workflow through the tool and answers with the run', async () => {
    const m = `e2e-${randomUUID()}`;
    const task = `Research question: what does HTTP status 503 mean for a client? (${m})`;
    const call = JSON.stringify({ task, input: { audience: 'API users' } });
    const prompt = `Use the dynamic workflow tool for this. [offline:tool=${TOOL_NAME} ${call}]`;

    const res = await fetch(n8n.webhookUrl(WEBHOOK_PATH), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt }),
      signal: AbortSignal.timeout(180_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`The webhook answered ${res.status}: ${text.slice(0, 1000)}\n${diagnose()}`);
    const answer = JSON.parse(text) as { output?: unknown };
    expect(typeof answer.output).toBe('string');
    const output = String(answer.output);

    // Exactly one run, with the task the agent passed, converged.
    const runs = (await listRuns(sidecar)).filter((r) => r.task.includes(m));
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run.task).toBe(task);
    expect(run.status).toBe('converged');
    expect(run.result).not.toBeNull();

    // The agent's answer quotes the start of the tool's output: the run id, its status and its
    // result (whose question repeats the task, marker included). A tool name n8n did not offer
    // would have come back as an error ("Calling … failed") and started no run.
    expect(output).toContain(`I called ${TOOL_NAME}`);
    expect(output).toContain(`"runId":"${run.id}","status":"converged","result":{`);
    expect(JSON.stringify(run.result)).toContain(m);
    expect(output).toContain(m);
  }, 240_000);
});
