import { abortReason } from '../core/abort';
import { MCP_ALL_TOOLS, mcpToolName, parseMcpToolName, type McpToolInfo } from '../core/mcp';
import { McpToolNotFoundError, ToolNotAllowedError, ValidationError } from '../errors/errors';
import type { McpServerSpec } from '../config/mcp-servers';
import { McpConnection, type McpConnectionOptions } from './connection';

/** A tool as the Messages API is offered it. */
export interface OfferedTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

/** What a subagent's tool loop needs of the MCP tools: their definitions, and calls. */
export interface McpTools {
  /**
   * The tools `names` stand for (`mcp__<server>__<tool>`, or a server's `mcp__<server>__*`), in
   * order, duplicates dropped. Throws `mcp_unavailable` when a server's list cannot be had,
   * `mcp_tool_not_found` for a tool the list does not hold.
   */
  definitions(names: readonly string[], signal?: AbortSignal): Promise<OfferedTool[]>;
  /** Calls one tool; the text of the tool_result, or a named error for the subagent. */
  call(name: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<string>;
}

/** Where a run's tool lists are journaled (store/mcp-tools.ts), keyed by server. */
export interface McpToolListJournal {
  load(server: string): Promise<McpToolInfo[] | null> | McpToolInfo[] | null;
  /** Stores the list unless one is stored already; returns the stored one. */
  save(server: string, tools: readonly McpToolInfo[]): Promise<McpToolInfo[]> | McpToolInfo[];
}

export interface McpSessionOptions extends McpConnectionOptions {
  readonly servers: Readonly<Record<string, McpServerSpec>>;
  readonly journal: McpToolListJournal;
  /** A server's list was fetched (not read from the journal); `skipped` names tools left out and why. */
  readonly onListed?: (server: string, count: number, skipped: readonly string[]) => void;
}

/**
 * The MCP servers of one execution of a run. A server is connected when an agent first needs it
 * and stays connected until `close()` (the execution's end); a dropped connection is opened again
 * on the next call. Its tool list is read from the run's journal, or fetched once and journaled,
 * so an execution after a restart offers the same tools without asking the server.
 */
export class McpSession implements McpTools {
  private readonly connections = new Map<string, Promise<McpConnection>>();
  private readonly lists = new Map<string, Promise<McpToolInfo[]>>();
  private closed = false;

  constructor(private readonly options: McpSessionOptions) {}

  async definitions(names: readonly string[], signal?: AbortSignal): Promise<OfferedTool[]> {
    const out = new Map<string, OfferedTool>();
    for (const name of names) {
      const { server, tool } = this.ref(name);
      const list = await this.list(server, signal);
      const picked = tool === MCP_ALL_TOOLS ? list : list.filter((t) => t.name === tool);
      if (picked.length === 0 && tool !== MCP_ALL_TOOLS) throw new McpToolNotFoundError(name, server);
      for (const t of picked) {
        const full = mcpToolName(server, t.name);
        if (!out.has(full))
          out.set(full, { name: full, description: t.description || `Tool ${t.name} of MCP server ${server}`, inputSchema: t.inputSchema });
      }
    }
    return [...out.values()];
  }

  async call(name: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const { server, tool } = this.ref(name);
    if (tool === MCP_ALL_TOOLS) throw new ToolNotAllowedError(name);
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new ValidationError(`Invalid input for ${name}: input must be an object`);
    const conn = await this.connection(server, signal);
    return conn.call(name, tool, input, signal);
  }

  /** Closes every connection (stdio servers exit); later calls connect again. */
  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(open.map(async (c) => (await c).close()));
  }

  /** Closes for good: the execution ended. */
  async dispose(): Promise<void> {
    this.closed = true;
    await this.close();
  }

  private ref(name: string): { server: string; tool: string } {
    const ref = parseMcpToolName(name);
    if (!ref || !Object.hasOwn(this.options.servers, ref.server)) throw new ToolNotAllowedError(name);
    return ref;
  }

  private list(server: string, signal?: AbortSignal): Promise<McpToolInfo[]> {
    let p = this.lists.get(server);
    if (!p) {
      p = this.fetchList(server, signal);
      this.lists.set(server, p);
      // A failed listing is not kept: the next agent that needs the server tries again.
      p.catch(() => this.lists.delete(server));
    }
    return p;
  }

  private async fetchList(server: string, signal?: AbortSignal): Promise<McpToolInfo[]> {
    const journaled = await this.options.journal.load(server);
    if (journaled) return journaled;
    const conn = await this.connection(server, signal);
    const { tools, skipped } = await conn.listTools(signal);
    const kept = await this.options.journal.save(server, tools);
    this.options.onListed?.(server, kept.length, skipped);
    return kept;
  }

  private async connection(server: string, signal?: AbortSignal): Promise<McpConnection> {
    if (this.closed) throw new ToolNotAllowedError(`${mcpToolName(server, MCP_ALL_TOOLS)} (the run's MCP session has ended)`);
    if (signal?.aborted) throw abortReason(signal);
    for (;;) {
      const current = this.connections.get(server);
      if (!current) break;
      // A connection that failed to open fails everyone who waited for it.
      const conn = await current;
      if (!conn.closed) return conn;
      if (this.connections.get(server) === current) this.connections.delete(server);
    }
    // One connection per server however many agents ask at once; the signal of the first asker
    // would cancel it for all of them, so it is opened with none (the connect timeout bounds it).
    const opened = McpConnection.open(server, this.options.servers[server], this.options);
    this.connections.set(server, opened);
    opened.catch(() => {
      if (this.connections.get(server) === opened) this.connections.delete(server);
    });
    return opened;
  }
}
