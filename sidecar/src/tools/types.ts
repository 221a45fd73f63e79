import type { SelfAddress } from './addresses';

/** A built-in tool a subagent may call, allowed per run by the operator. */
export interface ToolContext {
  /** Absolute, resolved workspace directory of the run (already confined to a root). */
  readonly workspaceDir: string | null;
  readonly allowWrite: boolean;
  readonly allowedHosts: readonly string[];
  readonly signal?: AbortSignal;
  /** Where the sidecar's own API listens: http_get never connects there. */
  readonly selfAddress?: SelfAddress;
  /** fetch to use for http_get (injected in tests; it bypasses the connect-time address check). */
  readonly fetch?: typeof fetch;
}

export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  /** Returns the text handed back to the model as the tool_result; throws DwError on refusal. */
  run(input: Record<string, unknown>, ctx: ToolContext): Promise<string>;
}
