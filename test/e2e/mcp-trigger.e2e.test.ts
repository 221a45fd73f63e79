import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { WorkflowJson } from '../../scripts/lib';
import { describeE2e } from '../support/e2e';
import { startN8n, type N8nInstance } from '../support/n8n';
import { getRun, startSidecar, type SidecarProcess } from '../support/sidecar';
import { removeTempDirs } from '../support/temp';

// n8n 2.x exposes a workflow's tools through its MCP Server Trigger. The sidecar is given that
// endpoint in DW_MCP_SERVERS (bearer token from its environment), and a subagent calls the
// workflow's Calculator tool as mcp__n8n__<tool>; the offline model's `[offline:tool=…]`
// directive makes the call, its follow-up answer quotes the tool's result.

const MCP_PATH = 'dw-e2e-mcp';
const BEARER = `n8n-mcp-bearer-${randomUUID()}`;
const BEARER_CREDENTIAL = { id: 'dwMcpBearerCred1', name: 'MCP Server Trigger bearer' };

/** MCP Server Trigger (bearer auth) with n8n's Calculator tool attached. */
function mcpWorkflow(): WorkflowJson {
  return {
    id: 'dwE2eMcpTrigger1',
    name: 'e2e: MCP Server Trigger with a Calculator tool',
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [
      {
        id: randomUUID(),
        name: 'MCP Server Trigger',
        type: '@n8n/n8n-nodes-langchain.mcpTrigger',
        typeVersion: 2,
        position: [0, 0],
        webhookId: randomUUID(),
        parameters: { authentication: 'bearerAuth', path: MCP_PATH },
        credentials: { httpBearerAuth: BEARER_CREDENTIAL },
      },
      {
        id: randomUUID(),
        name: 'Calculator',
        type: '@n8n/n8n-nodes-langchain.toolCalculator',
        typeVersion: 1,
        position: [0, 220],
        parameters: {},
      },
    ],
    connections: { Calculator: { ai_tool: [[{ node: 'MCP Server Trigger', type: 'ai_tool', index: 0 }]] } },
  } as WorkflowJson;
}

interface ListedTool {
  name: string;
  inputSchema: { properties?: Record<string, unknown> };
}

describeE2e("a subagent uses a tool of an n8n workflow behind n8n's MCP Server Trigger", () => {
  let n8n: N8nInstance;
  let sidecar: SidecarProcess;
  let endpoint: string;

  beforeAll(async () => {
    n8n = await startN8n({
      label: 'mcp-trigger-e2e',
      installPackage: false,
      workflows: [mcpWorkflow()],
      credentials: { httpBearerAuth: { token: BEARER } },
    });
    endpoint = `${n8n.url}/mcp/${MCP_PATH}`;
    sidecar = await startSidecar({
      label: 'mcp-trigger-e2e',
      env: {
        N8N_MCP_TOKEN: BEARER,
        DW_MCP_SERVERS: JSON.stringify({ n8n: { url: endpoint, headers: { Authorization: 'Bearer ${N8N_MCP_TOKEN}' } } }),
      },
    });
  }, 420_000);

  afterAll(async () => {
    await sidecar?.stop();
    await n8n?.stop();
    removeTempDirs();
  }, 120_000);

  const diagnose = (): string =>
    `--- n8n ---\n${n8n.logs().split('\n').slice(-60).join('\n')}\n--- sidecar ---\n${sidecar.logs().split('\n').slice(-40).join('\n')}`;

  /** The trigger's tools as an MCP client sees them (the SDK client, as the sidecar uses it). */
  async function listTools(): Promise<ListedTool[]> {
    const client = new Client({ name: 'dw-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${BEARER}` } } }),
    );
    try {
      return (await client.listTools()).tools as ListedTool[];
    } finally {
      await client.close();
    }
  }

  test('the agent calls the Calculator tool as mcp__n8n__<tool> and answers with its result', async () => {
    const tools = await listTools();
    const calculator = tools.find((t) => /calculator/i.test(t.name));
    if (!calculator) throw new Error(`The MCP Server Trigger lists no calculator: ${JSON.stringify(tools)}\n${diagnose()}`);
    const arg = Object.keys(calculator.inputSchema.properties ?? { input: {} })[0] ?? 'input';
    const toolName = `mcp__n8n__${calculator.name}`;
    const marker = randomUUID();
    const script = `
      const answer = await agent('[offline:tool=${toolName} {"${arg}":"6 * 7"}] Compute 6 * 7 (${marker})');
      return { answer };`;

    const started = await sidecar.api<{ id: string }>('POST', '/v1/runs', {
      task: `mcp e2e ${marker}`,
      script,
      options: { tools: ['mcp__n8n__*'] },
    });
    expect(started.status).toBe(201);
    let run = await getRun(sidecar, started.body.id);
    const deadline = Date.now() + 120_000;
    while (!['converged', 'failed', 'cancelled'].includes(run.status)) {
      if (Date.now() > deadline) throw new Error(`run still ${run.status}\n${diagnose()}`);
      await new Promise((r) => setTimeout(r, 200));
      run = await getRun(sidecar, started.body.id);
    }
    if (run.status !== 'converged') throw new Error(`run ${run.status}: ${JSON.stringify(run.error)}\n${diagnose()}`);
    const answer = String((run.result as { answer: unknown }).answer);
    expect(answer).toContain(`I called ${toolName}`);
    expect(answer).toContain('42');
    expect(answer).not.toContain('failed');
    expect(JSON.stringify(run)).not.toContain(BEARER);
    expect(sidecar.logs()).not.toContain(BEARER);

    // A tool the run does not allow is refused before any call.
    const refused = await sidecar.api<{ id: string }>('POST', '/v1/runs', {
      task: `mcp e2e refused ${marker}`,
      script: `return await agent('[offline:tool=${toolName} {"${arg}":"1 + 1"}] add', { tools: ['${toolName}'] });`,
      options: { tools: ['read_file'] },
    });
    expect(refused.status).toBe(201);
    let r2 = await getRun(sidecar, refused.body.id);
    while (!['converged', 'failed', 'cancelled'].includes(r2.status)) {
      await new Promise((r) => setTimeout(r, 200));
      r2 = await getRun(sidecar, refused.body.id);
    }
    const agents = await sidecar.api<{ agents: { status: string; error: { code: string } | null }[] }>(
      'GET',
      `/v1/runs/${refused.body.id}/agents`,
    );
    expect(agents.body.agents[0]).toMatchObject({ status: 'failed', error: { code: 'tool_not_allowed' } });
  }, 240_000);
});
