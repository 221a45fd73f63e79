import { startHarness, type Harness } from '../support/engine-harness';
import { startMcpHttpServer, type TestMcpHttpServer } from '../support/mcp-server';

/** Runs the script and returns the run with its agents. */
async function runScript(h: Harness, script: string, tools: string[]) {
  const run = await h.run({ task: 'mcp tools', script, options: { tools } });
  const agents = (await h.engine.agents(run.id, { offset: 0, limit: 100 })).agents;
  return { run, agents };
}

describe('subagents use the tools of MCP servers (DW_MCP_SERVERS)', () => {
  let mcp: TestMcpHttpServer;
  let h: Harness;
  beforeAll(async () => {
    mcp = await startMcpHttpServer();
    h = await startHarness({
      env: {
        DW_MCP_SERVERS: JSON.stringify({ calc: { url: mcp.url } }),
        DW_MCP_CALL_TIMEOUT_MS: '400',
        DW_MCP_MAX_RESULT_BYTES: '2048',
        DW_AGENT_TYPES: JSON.stringify({ adder: { tools: ['mcp__calc__add'] } }),
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await mcp.close();
  });

  test('an agent calls an allowed MCP tool and answers from its result; the list is journaled once per run', async () => {
    const before = mcp.calls.get('add') ?? 0;
    const { run, agents } = await runScript(
      h,
      `const a = await agent('[offline:tool=mcp__calc__add {"a":2,"b":3}] Add the numbers');
       const b = await agent('[offline:tool=mcp__calc__add {"a":4,"b":5}] Add these too');
       return { a, b };`,
      ['mcp__calc__add'],
    );
    expect(run.status).toBe('converged');
    const result = run.result as { a: string; b: string };
    expect(result.a).toContain('I called mcp__calc__add');
    expect(result.a).toContain('sum=5');
    expect(result.b).toContain('sum=9');
    expect(mcp.calls.get('add')).toBe(before + 2);
    expect(agents.map((a) => a.tools)).toEqual([['mcp__calc__add'], ['mcp__calc__add']]);
    const rows = h.db.prepare('SELECT server, tools FROM mcp_tools WHERE run_id = ?').all(run.id) as { server: string; tools: string }[];
    expect(rows.map((r) => r.server)).toEqual(['calc']);
    expect((JSON.parse(rows[0].tools) as { name: string }[]).map((t) => t.name)).toEqual(['add', 'slow', 'big', 'fail']);
    const logs = (await h.engine.events(run.id, 0)).filter((e) => e.event.type === 'log');
    expect(logs.map((e) => (e.event as { message: string }).message)).toContain('MCP server "calc" lists 4 tools');
  });

  test('an agent cannot widen the run allowlist to another MCP tool: tool_not_allowed', async () => {
    const { run, agents } = await runScript(
      h,
      `const narrowed = await agent('[offline:tool=mcp__calc__add {"a":1,"b":1}] ok', { tools: ['mcp__calc__add'] });
       const widened = await agent('[offline:tool=mcp__calc__fail] not allowed', { tools: ['mcp__calc__fail'] });
       const all = await agent('[offline:tool=mcp__calc__add {"a":1,"b":1}] not allowed either', { tools: ['mcp__calc__*'] });
       return { narrowed, widened, all };`,
      ['mcp__calc__add'],
    );
    expect(run.status).toBe('converged');
    expect(run.result).toMatchObject({ widened: null, all: null });
    expect(agents[1]).toMatchObject({
      status: 'failed',
      error: { code: 'tool_not_allowed', message: 'Tool mcp__calc__fail is not allowed for this run' },
    });
    expect(agents[2]).toMatchObject({ status: 'failed', error: { code: 'tool_not_allowed' } });
  });

  test('mcp__<server>__* allows every tool of the server; a tool not offered is refused to the model', async () => {
    const { run } = await runScript(
      h,
      `const fail = await agent('[offline:tool=mcp__calc__fail] report the failure');
       const outside = await agent('[offline:tool=mcp__calc__add {"a":1,"b":2}] add', { tools: ['mcp__calc__fail'] });
       return { fail, outside };`,
      ['mcp__calc__*'],
    );
    expect(run.status).toBe('converged');
    const r = run.result as { fail: string; outside: string };
    expect(r.fail).toContain('mcp_tool_error: MCP tool mcp__calc__fail failed: the fail tool failed on purpose');
    // Offered only mcp__calc__fail: a call of another tool is answered as not available, not run.
    expect(r.outside).toContain('Tool mcp__calc__add is not available to this agent');
  });

  test('a slow MCP tool times out as a tool error the agent reads, and the run goes on', async () => {
    const before = mcp.calls.get('add') ?? 0;
    const started = Date.now();
    const { run, agents } = await runScript(
      h,
      `const slow = await agent('[offline:tool=mcp__calc__slow {"ms":20000}] wait for it');
       const next = await agent('[offline:tool=mcp__calc__add {"a":20,"b":22}] then add');
       return { slow, next };`,
      ['mcp__calc__slow', 'mcp__calc__add'],
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.status).toBe('converged');
    const r = run.result as { slow: string; next: string };
    expect(r.slow).toContain('mcp_timeout: MCP tool mcp__calc__slow did not answer within 400 ms (DW_MCP_CALL_TIMEOUT_MS)');
    expect(r.next).toContain('sum=42');
    expect(agents.map((a) => a.status)).toEqual(['done', 'done']);
    expect(mcp.calls.get('add')).toBe(before + 1);
  });

  test('a result over DW_MCP_MAX_RESULT_BYTES is a mcp_result_too_large tool error', async () => {
    const { run } = await runScript(h, `return await agent('[offline:tool=mcp__calc__big {"bytes":5000}] fetch it');`, ['mcp__calc__big']);
    expect(run.result).toContain('mcp_result_too_large: MCP tool mcp__calc__big returned 5000 bytes; at most 2048');
  });

  test('an agent type may default to MCP tools the run allows', async () => {
    const { run, agents } = await runScript(
      h,
      `return await agent('[offline:tool=mcp__calc__add {"a":3,"b":4}] add', { agentType: 'adder' });`,
      ['mcp__calc__add'],
    );
    expect(run.result).toContain('sum=7');
    expect(agents[0].tools).toEqual(['mcp__calc__add']);
  });

  test('a run naming an MCP server that is not configured is refused at start', async () => {
    await expect(h.engine.start({ task: 't', script: 'return 1;', options: { tools: ['mcp__nope__add'] } })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('Unknown MCP server `nope`'),
    });
    await expect(h.engine.start({ task: 't', script: 'return 1;', options: { tools: ['mcp__calc__bad name'] } })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});

describe('an MCP server that cannot be reached', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { DW_MCP_SERVERS: JSON.stringify({ down: { url: 'http://127.0.0.1:9/mcp' } }) } });
  });
  afterAll(async () => h.close());

  test('fails the agents that need it with mcp_unavailable; the run goes on', async () => {
    const { run, agents } = await runScript(
      h,
      `const a = await agent('[offline:tool=mcp__down__x] use it');
       const b = await agent('no tools needed', { tools: [] });
       return { a, b: typeof b };`,
      ['mcp__down__*'],
    );
    expect(run.status).toBe('converged');
    expect(run.result).toEqual({ a: null, b: 'string' });
    expect(agents[0]).toMatchObject({
      status: 'failed',
      error: { code: 'mcp_unavailable', message: expect.stringContaining('MCP server "down" is unavailable') },
    });
  });
});
