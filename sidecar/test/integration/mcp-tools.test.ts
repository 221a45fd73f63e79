import fs from 'node:fs';
import path from 'node:path';
import { createOfflineModelServer } from '../../src/offline';
import { startMcpHttpServer, type TestMcpHttpServer } from '../support/mcp-server';
import { SidecarProcess } from '../support/sidecar-process';

const STDIO_SERVER = path.join(__dirname, '..', 'support', 'mcp-stdio-server.cjs');
const SECRET = 'calc-bearer-secret-5f2a9c7e1d';

interface Agent {
  seq: number;
  status: string;
  tools: string[];
  result: unknown;
  error: { code: string; message: string } | null;
}

/**
 * The real sidecar (built, over HTTP) with an MCP server of the SDK over streamable HTTP (bearer
 * token from the sidecar's environment) and one on stdio; the offline model in the test process.
 */
describe('MCP tools in the real sidecar', () => {
  const model = createOfflineModelServer({ latencyMs: 20 });
  let mcp: TestMcpHttpServer;
  let sidecar: SidecarProcess;

  beforeAll(async () => {
    const { url } = await model.listen(0, '127.0.0.1');
    mcp = await startMcpHttpServer({ bearer: SECRET });
    sidecar = new SidecarProcess({
      DW_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-test-not-a-real-key',
      ANTHROPIC_BASE_URL: url,
      CALC_TOKEN: SECRET,
      DW_MCP_CALL_TIMEOUT_MS: '500',
      DW_MCP_SERVERS: JSON.stringify({
        calc: { url: mcp.url, headers: { Authorization: 'Bearer ${CALC_TOKEN}' } },
        local: { command: process.execPath, args: [STDIO_SERVER] },
      }),
    });
    await sidecar.start();
  });
  afterAll(async () => {
    await sidecar.kill();
    await mcp.close();
    await model.close();
  });

  const agentsOf = async (id: string): Promise<Agent[]> =>
    (await sidecar.request<{ agents: Agent[] }>('GET', `/v1/runs/${id}/agents?limit=100`)).body.agents;

  test('subagents call tools of an HTTP and a stdio server; the secret stays out of runs, events, logs and the store', async () => {
    const script = `
      const sum = await agent('[offline:tool=mcp__calc__add {"a":19,"b":23}] Add the numbers');
      const echo = await agent('[offline:tool=mcp__local__echo {"text":"hello"}] Echo it');
      return { sum, echo };`;
    const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', {
      task: 'mcp',
      script,
      options: { tools: ['mcp__calc__add', 'mcp__local__*'] },
    });
    expect(started.status).toBe(201);
    const done = await sidecar.waitForStatus(started.body.id, ['converged', 'failed', 'cancelled']);
    expect(done.status).toBe('converged');
    const result = done.result as { sum: string; echo: string };
    expect(result.sum).toContain('sum=42');
    expect(result.echo).toContain('echo: hello');
    expect((await agentsOf(started.body.id)).map((a) => a.tools)).toEqual([
      ['mcp__calc__add', 'mcp__local__*'],
      ['mcp__calc__add', 'mcp__local__*'],
    ]);

    // The store (database and its WAL: runs, agents, events, tool lists) and the process output.
    const seen = [JSON.stringify(done), JSON.stringify(await agentsOf(started.body.id)), sidecar.logs];
    for (const file of fs.readdirSync(sidecar.dataDir)) {
      const full = path.join(sidecar.dataDir, file);
      if (fs.statSync(full).isFile()) seen.push(fs.readFileSync(full).toString('latin1'));
    }
    for (const text of seen) expect(text).not.toContain(SECRET);
  });

  test('a tool outside the allowlist is refused with tool_not_allowed; an unknown server with 400', async () => {
    const script = `
      const ok = await agent('[offline:tool=mcp__calc__add {"a":1,"b":1}] fine');
      const refused = await agent('[offline:tool=mcp__calc__slow {"ms":1}] refused', { tools: ['mcp__calc__slow'] });
      return { ok: typeof ok, refused };`;
    const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', {
      task: 'mcp',
      script,
      options: { tools: ['mcp__calc__add'] },
    });
    const done = await sidecar.waitForStatus(started.body.id, ['converged', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'converged', result: { ok: 'string', refused: null } });
    expect((await agentsOf(started.body.id))[1]).toMatchObject({ status: 'failed', error: { code: 'tool_not_allowed' } });

    const bad = await sidecar.request<{ error: { code: string; message: string } }>('POST', '/v1/runs', {
      task: 'mcp',
      script: 'return 1;',
      options: { tools: ['mcp__elsewhere__add'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('Unknown MCP server `elsewhere`') });
  });

  test('a slow MCP tool times out with mcp_timeout and the run goes on', async () => {
    const script = `
      const slow = await agent('[offline:tool=mcp__calc__slow {"ms":30000}] Wait for the slow tool');
      const after = await agent('[offline:tool=mcp__calc__add {"a":2,"b":2}] Then add');
      return { slow, after };`;
    const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', {
      task: 'mcp',
      script,
      options: { tools: ['mcp__calc__*'] },
    });
    const done = await sidecar.waitForStatus(started.body.id, ['converged', 'failed', 'cancelled']);
    expect(done.status).toBe('converged');
    const r = done.result as { slow: string; after: string };
    expect(r.slow).toContain('mcp_timeout: MCP tool mcp__calc__slow did not answer within 500 ms (DW_MCP_CALL_TIMEOUT_MS)');
    expect(r.after).toContain('sum=4');
  });

  test('after a SIGKILL the replay makes no second call to an MCP tool whose agent had completed, nor lists the tools again', async () => {
    const callsBefore = mcp.calls.get('add') ?? 0;
    const listsBefore = mcp.calls.get('#list') ?? 0;
    const script = `
      const first = await agent('[offline:tool=mcp__calc__add {"a":100,"b":1}] Add before the crash');
      const second = await agent('[offline:sleep=4000] Still thinking when the sidecar dies');
      const third = await agent('[offline:tool=mcp__calc__add {"a":200,"b":2}] Add after the restart');
      return { first, second: typeof second, third };`;
    const started = await sidecar.request<{ id: string }>('POST', '/v1/runs', {
      task: 'mcp crash',
      script,
      options: { tools: ['mcp__calc__add'] },
    });
    const id = started.body.id;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const agents = await agentsOf(id);
      if (agents.some((a) => a.seq === 2 && a.status === 'active')) break;
      if (Date.now() > deadline) throw new Error('the second agent never started');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(mcp.calls.get('add')).toBe(callsBefore + 1);
    await sidecar.kill('SIGKILL');

    await sidecar.start();
    const done = await sidecar.waitForStatus(id, ['converged', 'failed', 'cancelled']);
    expect(done.status).toBe('converged');
    const r = done.result as { first: string; second: string; third: string };
    expect(r.first).toContain('sum=101');
    expect(r.third).toContain('sum=202');
    // One call for the first agent (journaled before the kill, replayed after it) and one for the third.
    expect(mcp.calls.get('add')).toBe(callsBefore + 2);
    // The tool list was fetched once for the run, before the kill; the restart read it from the journal.
    expect(mcp.calls.get('#list')).toBe(listsBefore + 1);
  }, 90_000);
});
