/**
 * The names the sidecar's parts agree on, each list in one place: the HTTP schemas, the
 * engine, the tools, the sandbox prelude and the page read them from here.
 */

/** Built-in tools a subagent may be given (each a module in tools/). */
export const TOOL_NAMES = ['read_file', 'list_files', 'grep', 'write_file', 'http_get'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export const isToolName = (s: string): s is ToolName => (TOOL_NAMES as readonly string[]).includes(s);

/** How people see the tools (the n8n node's options); what the model reads is in tools/. */
export const TOOL_TITLES: Readonly<Record<ToolName, { readonly title: string; readonly summary: string }>> = {
  read_file: { title: 'Read File', summary: 'Read a file of the workspace' },
  list_files: { title: 'List Files', summary: 'List the files of the workspace' },
  grep: { title: 'Grep', summary: 'Search the files of the workspace' },
  write_file: { title: 'Write File', summary: 'Write a file, only in workspaces the sidecar allows writing to' },
  http_get: { title: 'HTTP GET', summary: 'Fetch a URL, only from hosts the sidecar allows' },
};

/** Model providers (DW_PROVIDER). */
export const PROVIDER_NAMES = ['anthropic', 'bedrock', 'vertex', 'foundry', 'offline'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
export const isProviderName = (s: string): s is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(s);

/**
 * Options a script may pass to agent(); anything else is refused with its name (an option set to
 * `undefined` is ignored, whatever its name). `effort` and `agentType` are Claude Code's.
 */
export const AGENT_OPTION_NAMES = [
  'label',
  'phase',
  'schema',
  'model',
  'system',
  'tools',
  'maxTurns',
  'effort',
  'agentType',
  'isolation',
] as const;
export type AgentOptionName = (typeof AGENT_OPTION_NAMES)[number];

/** Values of agent()'s `effort` option, as Claude Code's Workflow tool has them. */
export const AGENT_EFFORTS = ['low', 'medium', 'high', 'max'] as const;
export type AgentEffort = (typeof AGENT_EFFORTS)[number];

/**
 * Values of agent()'s `isolation` option, as Claude Code has them: `worktree` gives the agent its
 * own copy of the run's writable workspace (a git worktree when it is a repository).
 */
export const AGENT_ISOLATIONS = ['worktree'] as const;
export type AgentIsolationMode = (typeof AGENT_ISOLATIONS)[number];

/**
 * Agent types every sidecar knows. `general-purpose` is the default subagent (Claude Code's
 * built-in type of the same name); the operator adds others in DW_AGENT_TYPES, and any other
 * `agentType` fails that agent with `unknown_agent_type`.
 */
export const BUILTIN_AGENT_TYPES = ['general-purpose'] as const;

/** The script API the core prelude installs: Claude Code's script surface. */
export const SCRIPT_API_GLOBALS = ['args', 'agent', 'parallel', 'pipeline', 'phase', 'log', 'budget', 'workflow'] as const;

/**
 * What a script started by workflow() sees under its own names instead of the parent's globals: its
 * own `args`, and a `workflow` that refuses (one level of nesting).
 */
export const CHILD_WORKFLOW_PARAMS = ['args', 'workflow'] as const;

/** The verification helpers the verification prelude installs. */
export const VERIFICATION_GLOBALS = ['consensus', 'verify', 'converge'] as const;
