import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { McpToolInfo } from '../core/mcp';

/**
 * The MCP tool lists of each run, one row per (run, server), written the first time an agent of
 * the run needs the server. An execution after a crash, restart or agent restart reads them
 * from here, so every execution of a run offers its agents the same tools.
 */
export class McpToolLists {
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.getStmt = db.prepare('SELECT tools FROM mcp_tools WHERE run_id = ? AND server = ?');
    // The first list written stands: a concurrent second listing of the same server does not replace it.
    this.putStmt = db.prepare('INSERT INTO mcp_tools (run_id, server, tools, listed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  }

  load(runId: string, server: string): McpToolInfo[] | null {
    const row = this.getStmt.get(runId, server) as { tools: string } | undefined;
    return row ? (JSON.parse(row.tools) as McpToolInfo[]) : null;
  }

  /** Stores the list unless one is stored already, and returns the one that is. */
  save(runId: string, server: string, tools: readonly McpToolInfo[]): McpToolInfo[] {
    this.putStmt.run(runId, server, JSON.stringify(tools), new Date().toISOString());
    return this.load(runId, server) ?? [...tools];
  }
}
