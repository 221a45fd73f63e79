import path from 'node:path';
import type { McpServerSpec } from '../../src/config/mcp-servers';
import type { McpToolInfo } from '../../src/core/mcp';
import { toErrorInfo } from '../../src/errors/errors';
import { McpSession, type McpSessionOptions } from '../../src/mcp';
import { startMcpHttpServer, type TestMcpHttpServer } from '../support/mcp-server';

const STDIO_SERVER = path.join(__dirname, '..', 'support', 'mcp-stdio-server.cjs');

/** A journal in memory, as store/mcp-tools.ts keeps it per run. */
function memoryJournal(): McpSessionOptions['journal'] & { lists: Map<string, McpToolInfo[]> } {
  const lists = new Map<string, McpToolInfo[]>();
  return {
    lists,
    load: (server) => lists.get(server) ?? null,
    save: (server, tools) => {
      if (!lists.has(server)) lists.set(server, [...tools]);
      return lists.get(server)!;
    },
  };
}

function session(servers: Record<string, McpServerSpec>, over: Partial<McpSessionOptions> = {}): McpSession {
  return new McpSession({
    servers,
    journal: memoryJournal(),
    connectTimeoutMs: 5_000,
    callTimeoutMs: 2_000,
    maxResultBytes: 4_096,
    ...over,
  });
}

const errorOf = (p: Promise<unknown>): Promise<{ code: string; message: string }> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => toErrorInfo(err),
  );

describe('MCP tools over streamable HTTP (the SDK server)', () => {
  let server: TestMcpHttpServer;
  const secret = 'mcp-secret-value-0123456789';
  let s: McpSession;
  beforeAll(async () => {
    server = await startMcpHttpServer({ bearer: secret });
    process.env.DW_TEST_MCP_TOKEN = secret;
  });
  afterEach(async () => s?.dispose());
  afterAll(async () => {
    delete process.env.DW_TEST_MCP_TOKEN;
    await server.close();
  });
  const spec = (): McpServerSpec => ({
    transport: 'http',
    url: server.url,
    headers: { Authorization: 'Bearer ${DW_TEST_MCP_TOKEN}' },
  });

  test('lists tools as mcp__<server>__<tool> and calls one with the header from the environment', async () => {
    s = session({ calc: spec() });
    const defs = await s.definitions(['mcp__calc__add']);
    expect(defs).toEqual([
      {
        name: 'mcp__calc__add',
        description: 'Adds two numbers',
        inputSchema: expect.objectContaining({ type: 'object', required: ['a', 'b'] }),
      },
    ]);
    await expect(s.call('mcp__calc__add', { a: 2, b: 40 })).resolves.toBe('sum=42');
    expect(server.calls.get('add')).toBe(1);
    expect(server.authorizations.every((a) => a === `Bearer ${secret}`)).toBe(true);
  });

  test('mcp__<server>__* stands for every tool of the server', async () => {
    s = session({ calc: spec() });
    const names = (await s.definitions(['mcp__calc__*', 'mcp__calc__add'])).map((d) => d.name);
    expect(names).toEqual(['mcp__calc__add', 'mcp__calc__slow', 'mcp__calc__big', 'mcp__calc__fail']);
  });

  test('a slow tool ends with mcp_timeout, and the connection serves the next call', async () => {
    s = session({ calc: spec() }, { callTimeoutMs: 300 });
    const started = Date.now();
    const err = await errorOf(s.call('mcp__calc__slow', { ms: 5_000 }));
    expect(err).toEqual({
      code: 'mcp_timeout',
      message: expect.stringMatching(/mcp__calc__slow did not answer within 300 ms \(DW_MCP_CALL_TIMEOUT_MS\)/),
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(s.call('mcp__calc__add', { a: 1, b: 1 })).resolves.toBe('sum=2');
  });

  test('an oversized result is mcp_result_too_large, a tool error is mcp_tool_error', async () => {
    s = session({ calc: spec() });
    await expect(errorOf(s.call('mcp__calc__big', { bytes: 10_000 }))).resolves.toMatchObject({
      code: 'mcp_result_too_large',
      message: expect.stringContaining('10000 bytes; at most 4096 (DW_MCP_MAX_RESULT_BYTES)'),
    });
    await expect(s.call('mcp__calc__big', { bytes: 4_000 })).resolves.toHaveLength(4_000);
    await expect(errorOf(s.call('mcp__calc__fail', {}))).resolves.toEqual({
      code: 'mcp_tool_error',
      message: 'MCP tool mcp__calc__fail failed: the fail tool failed on purpose',
    });
  });

  test('an answer far over the limit is not read to its end: the call fails by name and the connection serves the next', async () => {
    s = session({ calc: spec() });
    const started = Date.now();
    const err = await errorOf(s.call('mcp__calc__big', { bytes: 14_000_000 }));
    expect(err).toMatchObject({ code: 'mcp_result_too_large', message: expect.stringContaining('mcp__calc__big') });
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(s.call('mcp__calc__add', { a: 1, b: 2 })).resolves.toBe('sum=3');
  });

  test('a tool the list does not hold is mcp_tool_not_found; an unknown server is tool_not_allowed', async () => {
    s = session({ calc: spec() });
    await expect(errorOf(s.definitions(['mcp__calc__nope']))).resolves.toMatchObject({ code: 'mcp_tool_not_found' });
    await expect(errorOf(s.definitions(['mcp__other__add']))).resolves.toMatchObject({ code: 'tool_not_allowed' });
    await expect(errorOf(s.call('mcp__other__add', {}))).resolves.toMatchObject({ code: 'tool_not_allowed' });
  });

  test('the tool list is fetched once and journaled: a later session reads it without listing', async () => {
    const journal = memoryJournal();
    const listed: string[] = [];
    s = session({ calc: spec() }, { journal, onListed: (server) => listed.push(server) });
    await Promise.all([s.definitions(['mcp__calc__add']), s.definitions(['mcp__calc__*'])]);
    expect(listed).toEqual(['calc']);
    await s.dispose();
    // The server is gone: the list still comes from the journal.
    s = session({ calc: { transport: 'http', url: 'http://127.0.0.1:9/mcp', headers: {} } }, { journal, onListed: (x) => listed.push(x) });
    await expect(s.definitions(['mcp__calc__add'])).resolves.toHaveLength(1);
    expect(listed).toEqual(['calc']);
  });

  test('a wrong token is mcp_unavailable and the secret is not in the message', async () => {
    process.env.DW_TEST_MCP_WRONG = 'wrong-secret-value-987654321';
    try {
      s = session({ calc: { ...spec(), headers: { Authorization: 'Bearer ${DW_TEST_MCP_WRONG}' } } as McpServerSpec });
      const err = await errorOf(s.definitions(['mcp__calc__add']));
      expect(err.code).toBe('mcp_unavailable');
      expect(err.message).toContain('MCP server "calc" is unavailable');
      expect(err.message).not.toContain('wrong-secret-value');
    } finally {
      delete process.env.DW_TEST_MCP_WRONG;
    }
  });

  test('an unreachable server is mcp_unavailable, and the next agent tries again', async () => {
    s = session({ down: { transport: 'http', url: 'http://127.0.0.1:9/mcp', headers: {} } });
    await expect(errorOf(s.definitions(['mcp__down__x']))).resolves.toMatchObject({ code: 'mcp_unavailable' });
    await expect(errorOf(s.definitions(['mcp__down__x']))).resolves.toMatchObject({ code: 'mcp_unavailable' });
  });
});

describe('MCP tools over stdio (the SDK server as a child process)', () => {
  let s: McpSession;
  afterEach(async () => s?.dispose());

  test('calls a tool of a command server; the child gets its env entries, not the sidecar environment', async () => {
    process.env.DW_TEST_STDIO_VALUE = 'from-the-sidecar-env';
    process.env.DW_TEST_NOT_PASSED = 'must-not-reach-the-child';
    try {
      s = session({
        local: {
          transport: 'stdio',
          command: process.execPath,
          args: [STDIO_SERVER],
          env: { GIVEN: 'value ${DW_TEST_STDIO_VALUE}' },
          cwd: null,
        },
      });
      expect((await s.definitions(['mcp__local__*'])).map((d) => d.name)).toEqual([
        'mcp__local__echo',
        'mcp__local__env',
        'mcp__local__exit',
      ]);
      await expect(s.call('mcp__local__echo', { text: 'hi' })).resolves.toBe('echo: hi');
      await expect(s.call('mcp__local__env', { name: 'GIVEN' })).resolves.toBe('value from-the-sidecar-env');
      await expect(s.call('mcp__local__env', { name: 'DW_TEST_NOT_PASSED' })).resolves.toBe('(unset)');
    } finally {
      delete process.env.DW_TEST_STDIO_VALUE;
      delete process.env.DW_TEST_NOT_PASSED;
    }
  });

  test('a server that exits during a call is mcp_unavailable for that call; the next call starts it again', async () => {
    s = session({ local: { transport: 'stdio', command: process.execPath, args: [STDIO_SERVER], env: {}, cwd: null } });
    await expect(s.call('mcp__local__echo', { text: 'before' })).resolves.toBe('echo: before');
    await expect(errorOf(s.call('mcp__local__exit', {}))).resolves.toMatchObject({
      code: 'mcp_unavailable',
      message: expect.stringContaining('the connection closed during the call'),
    });
    await expect(s.call('mcp__local__echo', { text: 'after' })).resolves.toBe('echo: after');
  });

  test('a command that does not start is mcp_unavailable', async () => {
    s = session(
      { nope: { transport: 'stdio', command: '/nonexistent/mcp-server', args: [], env: {}, cwd: null } },
      { connectTimeoutMs: 2_000 },
    );
    await expect(errorOf(s.definitions(['mcp__nope__x']))).resolves.toMatchObject({ code: 'mcp_unavailable' });
  });
});
