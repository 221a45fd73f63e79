/**
 * How the tools of the operator's MCP servers (DW_MCP_SERVERS) are named and allowed. A server's
 * tool `t` is offered to subagents as `mcp__<server>__t`; a run's allowlist (and an agent's
 * `tools`) names such a tool exactly, or every tool of a server as `mcp__<server>__*`.
 */

/** Anthropic's tool-name pattern: every name offered to a model must match it. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * A server name: letters, digits and `-`, starting with a letter or digit, at most 32 characters.
 * No `_`, so the `__` after the server name always ends it.
 */
export const MCP_SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;

export const MCP_PREFIX = 'mcp__';
const SEP = '__';
/** The allowlist entry that stands for every tool of a server. */
export const MCP_ALL_TOOLS = '*';

/** A name of the `mcp__<server>__<tool>` form (or `mcp__<server>__*`), split. */
export interface McpToolRef {
  readonly server: string;
  /** The server's own tool name, or `*`. */
  readonly tool: string;
}

/** `mcp__<server>__<tool>` for a server's tool. */
export function mcpToolName(server: string, tool: string): string {
  return `${MCP_PREFIX}${server}${SEP}${tool}`;
}

/**
 * Splits `mcp__<server>__<tool>` or `mcp__<server>__*`; null for any other name, a server name
 * outside MCP_SERVER_NAME, or a tool name that would not be a valid model tool name.
 */
export function parseMcpToolName(name: string): McpToolRef | null {
  if (!name.startsWith(MCP_PREFIX)) return null;
  const rest = name.slice(MCP_PREFIX.length);
  const at = rest.indexOf(SEP);
  if (at <= 0) return null;
  const server = rest.slice(0, at);
  const tool = rest.slice(at + SEP.length);
  if (!MCP_SERVER_NAME.test(server) || tool === '') return null;
  if (tool === MCP_ALL_TOOLS) return { server, tool };
  return TOOL_NAME_PATTERN.test(name) ? { server, tool } : null;
}

/**
 * Whether an agent may have tool `name` under `allowlist` (the run's `options.tools`): named
 * there exactly, or an MCP tool of a server the allowlist gives whole (`mcp__<server>__*`).
 * A wildcard is only covered by the same wildcard: an agent cannot ask for more than the run named.
 */
export function isToolAllowed(name: string, allowlist: readonly string[]): boolean {
  if (allowlist.includes(name)) return true;
  const ref = parseMcpToolName(name);
  return ref !== null && ref.tool !== MCP_ALL_TOOLS && allowlist.includes(mcpToolName(ref.server, MCP_ALL_TOOLS));
}

/** Whether `name` is an MCP tool name (or a server's wildcard) of one of `servers`. */
export function isMcpAllowlistEntry(name: string, servers: readonly string[]): boolean {
  const ref = parseMcpToolName(name);
  return ref !== null && servers.includes(ref.server);
}

/** One tool of an MCP server as listed for a run (and journaled with it). */
export interface McpToolInfo {
  /** The server's own name of the tool. */
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown> & { readonly type: 'object' };
}

/** `mcp__<server>__<tool>` or `mcp__<server>__*` as a JSON Schema `pattern` (the HTTP schemas). */
export const MCP_TOOL_PATTERN = '^mcp__[A-Za-z0-9][A-Za-z0-9-]{0,31}__([a-zA-Z0-9_-]{1,57}|\\*)$';

/** Most tool names one run may allow (built-in and MCP). */
export const MAX_RUN_TOOLS = 64;
