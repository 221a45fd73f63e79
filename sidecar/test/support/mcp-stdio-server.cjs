// An MCP server on stdio built with the SDK's own server classes, started by tests as a
// DW_MCP_SERVERS command: `echo` returns its text, `env` one variable of its environment,
// `exit` ends the process in the middle of the call.
const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { CallToolRequestSchema, ListToolsRequestSchema } = require('@modelcontextprotocol/sdk/types.js');

const server = new Server({ name: 'dw-test-stdio', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    {
      name: 'echo',
      description: 'Returns its text',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    },
    {
      name: 'env',
      description: 'Returns one environment variable of the server process',
      inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    },
    { name: 'exit', description: 'Exits the server process', inputSchema: { type: 'object', properties: {} } },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, (req) => {
  const args = req.params.arguments ?? {};
  if (req.params.name === 'echo') return { content: [{ type: 'text', text: `echo: ${String(args.text)}` }] };
  if (req.params.name === 'env') return { content: [{ type: 'text', text: String(process.env[String(args.name)] ?? '(unset)') }] };
  if (req.params.name === 'exit') process.exit(3);
  return { isError: true, content: [{ type: 'text', text: `no tool ${req.params.name}` }] };
});
void server.connect(new StdioServerTransport());
