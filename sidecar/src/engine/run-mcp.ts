import type { SidecarConfig } from '../config/config';
import { isMcpAllowlistEntry, parseMcpToolName } from '../core/mcp';
import { TOOL_NAMES, isToolName } from '../core/names';
import type { RunRecord } from '../core/types';
import { ValidationError } from '../errors/errors';
import { McpSession } from '../mcp';
import type { McpToolJournal } from '../store/store';
import type { RunRecords } from './run-records';

/**
 * Checks a run's `options.tools`: built-in tools, and `mcp__<server>__<tool>` or
 * `mcp__<server>__*` of a server in DW_MCP_SERVERS.
 */
export function checkRunTools(tools: readonly string[], config: SidecarConfig): void {
  const servers = Object.keys(config.mcpServers);
  for (const t of tools) {
    if (isToolName(t) || isMcpAllowlistEntry(t, servers)) continue;
    const ref = parseMcpToolName(t);
    if (ref)
      throw new ValidationError(
        `Unknown MCP server \`${ref.server}\` in tool \`${t}\`; ${servers.length ? `servers: ${servers.join(', ')}` : 'DW_MCP_SERVERS defines none'}`,
      );
    throw new ValidationError(
      `Unknown tool \`${t}\`; known tools: ${TOOL_NAMES.join(', ')}, and mcp__<server>__<tool> or mcp__<server>__* of a server in DW_MCP_SERVERS`,
    );
  }
}

/**
 * The MCP session of one execution of `run`, or null when the run allows no MCP tool. Tool
 * lists are journaled per run (`lists`); a fetched list is noted in the run's events.
 */
export function mcpSessionFor(run: RunRecord, config: SidecarConfig, lists: McpToolJournal, records: RunRecords): McpSession | null {
  if (!(run.options.tools ?? []).some((t) => parseMcpToolName(t) !== null)) return null;
  return new McpSession({
    servers: config.mcpServers,
    connectTimeoutMs: config.mcpConnectTimeoutMs,
    callTimeoutMs: config.mcpCallTimeoutMs,
    maxResultBytes: config.mcpMaxResultBytes,
    journal: { load: (server) => lists.load(run.id, server), save: (server, tools) => lists.save(run.id, server, tools) },
    onListed: (server, count, skipped) => {
      const left = skipped.length
        ? `; left out: ${skipped.slice(0, 10).join('; ')}${skipped.length > 10 ? ` and ${skipped.length - 10} more` : ''}`
        : '';
      records.emit(run.id, { type: 'log', message: `MCP server "${server}" lists ${count} tool${count === 1 ? '' : 's'}${left}` });
    },
  });
}
