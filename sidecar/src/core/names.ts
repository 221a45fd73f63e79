/**
 * The names the sidecar's parts agree on, each list in one place: the HTTP schemas, the
 * engine, the tools, the sandbox prelude and the page read them from here.
 */

/** Built-in tools a subagent may be given (each a module in tools/). */
export const TOOL_NAMES = ['read_file', 'list_files', 'grep', 'write_file', 'http_get'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export const isToolName = (s: string): s is ToolName => (TOOL_NAMES as readonly string[]).includes(s);

/** Model providers (DW_PROVIDER). */
export const PROVIDER_NAMES = ['anthropic', 'bedrock', 'vertex', 'foundry', 'offline'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export const isProviderName = (s: string): s is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(s);

/** Options a script may pass to agent(); anything else is refused with its name. */
export const AGENT_OPTION_NAMES = ['label', 'phase', 'schema', 'model', 'system', 'tools', 'maxTurns'] as const;
export type AgentOptionName = (typeof AGENT_OPTION_NAMES)[number];

/** The script API the core prelude installs. */
export const SCRIPT_API_GLOBALS = ['args', 'agent', 'parallel', 'pipeline', 'phase', 'log', 'budget'] as const;

/** The verification helpers the verification prelude installs. */
export const VERIFICATION_GLOBALS = ['consensus', 'verify', 'converge'] as const;
