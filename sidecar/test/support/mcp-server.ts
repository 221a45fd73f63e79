import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool of the test server: what tools/list shows, and what tools/call does. */
export interface TestTool {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: Record<string, unknown>;
  run(args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> | CallToolResult;
}

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

/** The tools most tests use: arithmetic, a slow one, an oversized answer, a failing one. */
export function standardTools(): TestTool[] {
  const num = { type: 'number' };
  return [
    {
      name: 'add',
      description: 'Adds two numbers',
      inputSchema: { type: 'object', properties: { a: num, b: num }, required: ['a', 'b'] },
      run: (a) => text(`sum=${Number(a.a) + Number(a.b)}`),
    },
    {
      name: 'slow',
      description: 'Answers after `ms` milliseconds',
      inputSchema: { type: 'object', properties: { ms: num }, required: ['ms'] },
      run: (a, signal) =>
        new Promise((resolve) => {
          const t = setTimeout(() => resolve(text('slow done')), Number(a.ms));
          signal.addEventListener('abort', () => clearTimeout(t), { once: true });
        }),
    },
    {
      name: 'big',
      description: 'Answers `bytes` bytes of text',
      inputSchema: { type: 'object', properties: { bytes: num }, required: ['bytes'] },
      run: (a) => text('x'.repeat(Number(a.bytes))),
    },
    {
      name: 'fail',
      description: 'Always reports an error',
      inputSchema: { type: 'object', properties: {} },
      run: () => ({ isError: true, content: [{ type: 'text', text: 'the fail tool failed on purpose' }] }),
    },
  ];
}

/** The SDK's own low-level MCP server with these tools; `calls` counts tools/call per tool, and tools/list as `#list`. */
export function mcpServerWith(tools: readonly TestTool[], calls: Map<string, number>): Server {
  const server = new Server({ name: 'dw-test-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => {
    calls.set('#list', (calls.get('#list') ?? 0) + 1);
    return { tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema ?? { type: 'object' } })) };
  });
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const tool = tools.find((t) => t.name === req.params.name);
    calls.set(req.params.name, (calls.get(req.params.name) ?? 0) + 1);
    if (!tool) return { isError: true, content: [{ type: 'text', text: `no tool ${req.params.name}` }] };
    return tool.run(req.params.arguments ?? {}, extra.signal);
  });
  return server;
}

export interface TestMcpHttpServer {
  readonly url: string;
  /** tools/call requests per tool name. */
  readonly calls: Map<string, number>;
  /** The Authorization header of every request, in order. */
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * The SDK's streamable HTTP server transport (stateless: a server per request) on a real
 * socket. With `bearer`, a request without `Authorization: Bearer <bearer>` gets 401.
 */
export async function startMcpHttpServer(opts: { tools?: readonly TestTool[]; bearer?: string } = {}): Promise<TestMcpHttpServer> {
  const tools = opts.tools ?? standardTools();
  const calls = new Map<string, number>();
  const authorizations: (string | undefined)[] = [];
  const httpServer = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (opts.bearer !== undefined && req.headers.authorization !== `Bearer ${opts.bearer}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const server = mcpServerWith(tools, calls);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}
