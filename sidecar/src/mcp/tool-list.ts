import { MCP_LIST_CAPS, capText } from '../core/limits';
import { TOOL_NAME_PATTERN, mcpToolName, type McpToolInfo } from '../core/mcp';

/** A server's tools as kept for a run, and the ones left out with the reason. */
export interface ListedTools {
  readonly tools: McpToolInfo[];
  readonly skipped: readonly string[];
}

/**
 * What of a server's `tools/list` answer subagents are offered: tools whose `mcp__<server>__<tool>`
 * name is a valid model tool name, with an object input schema of bounded size, descriptions cut
 * to MCP_LIST_CAPS.description, at most MCP_LIST_CAPS.tools of them.
 */
export function keepListedTools(server: string, raw: readonly unknown[]): ListedTools {
  const tools: McpToolInfo[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const t of raw) {
    if (t === null || typeof t !== 'object') continue;
    const { name, description, inputSchema } = t as { name?: unknown; description?: unknown; inputSchema?: unknown };
    if (typeof name !== 'string') continue;
    const shown = JSON.stringify(name.slice(0, 80));
    if (!TOOL_NAME_PATTERN.test(mcpToolName(server, name))) {
      skipped.push(`${shown}: mcp__${server}__<name> must match ${TOOL_NAME_PATTERN.source}`);
      continue;
    }
    if (seen.has(name)) continue;
    if (inputSchema === null || typeof inputSchema !== 'object' || (inputSchema as { type?: unknown }).type !== 'object') {
      skipped.push(`${shown}: its input schema is not an object schema`);
      continue;
    }
    const schemaBytes = Buffer.byteLength(JSON.stringify(inputSchema), 'utf8');
    if (schemaBytes > MCP_LIST_CAPS.schemaBytes) {
      skipped.push(`${shown}: its input schema is ${schemaBytes} bytes (at most ${MCP_LIST_CAPS.schemaBytes})`);
      continue;
    }
    if (tools.length >= MCP_LIST_CAPS.tools) {
      skipped.push(`${shown}: more than ${MCP_LIST_CAPS.tools} tools`);
      continue;
    }
    seen.add(name);
    tools.push({
      name,
      description: capText(typeof description === 'string' ? description : '', MCP_LIST_CAPS.description),
      inputSchema: inputSchema as McpToolInfo['inputSchema'],
    });
  }
  return { tools, skipped };
}
