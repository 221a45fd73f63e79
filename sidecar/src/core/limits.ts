import type { RunLimits } from './types';

/**
 * The one table of the sidecar's numeric limits and settings: each entry names its
 * environment variable, default, bounds and meaning. The configuration reads the environment
 * through it, the HTTP schemas take their bounds from it, the engine resolves a run's limits
 * against it, and the README's tables describe it.
 */
export interface LimitSpec {
  /** The environment variable that sets it. */
  readonly env: string;
  readonly default: number;
  /** Smallest value the environment may set (and a run may ask for). */
  readonly min: number;
  /** Largest value the environment may set. */
  readonly max: number;
  /** Whether fractions are allowed (only money). */
  readonly fractional?: boolean;
  readonly description: string;
  /** How people see it (the n8n node's field label). */
  readonly title?: string;
}

const HOUR = 3_600_000;

/**
 * Per-run limits. The operator's value (its environment variable, else the default) is both
 * the default of every run and its ceiling: a request may lower a limit, never raise it.
 * `maxParallel` alone has a separate ceiling (DW_MAX_PARALLEL_CEILING), because it trades
 * speed, not cost or safety.
 */
export const RUN_LIMITS: Readonly<Record<keyof RunLimits, LimitSpec>> = {
  maxParallel: {
    title: 'Max Parallel Agents',
    env: 'DW_MAX_PARALLEL',
    default: 16,
    min: 1,
    max: 4096,
    description: 'Agents in flight at once per run',
  },
  maxAgents: {
    title: 'Max Agents',
    env: 'DW_MAX_AGENTS',
    default: 1000,
    min: 1,
    max: 100_000,
    description: 'Agents a run may start in all',
  },
  maxTokens: {
    title: 'Max Tokens',
    env: 'DW_MAX_TOKENS',
    default: 2_000_000,
    min: 1,
    max: 1e12,
    description: 'Tokens a run may spend (input, output, cache reads and writes)',
  },
  maxUsd: {
    title: 'Max USD',
    env: 'DW_MAX_USD',
    default: 25,
    min: 0,
    max: 1e9,
    fractional: true,
    description: 'USD a run may spend, priced by the model price table',
  },
  deadlineMs: {
    title: 'Deadline (Ms)',
    env: 'DW_DEADLINE_MS',
    default: HOUR,
    min: 1,
    max: 7 * 24 * HOUR,
    description: 'Wall clock from the start of the script, across restarts',
  },
  cpuMs: {
    title: 'Script CPU Time (Ms)',
    env: 'DW_CPU_MS',
    default: 10_000,
    min: 1,
    max: HOUR,
    description: 'Script CPU time (agent time does not count)',
  },
  memoryMb: { title: 'Script Memory (MB)', env: 'DW_MEMORY_MB', default: 128, min: 8, max: 4096, description: 'Script heap in MB' },
};

export const RUN_LIMIT_KEYS = Object.keys(RUN_LIMITS) as (keyof RunLimits)[];

/** Sidecar-wide limits and numeric settings. */
export const SIDECAR_LIMITS = {
  port: { env: 'DW_PORT', default: 7420, min: 0, max: 65_535, description: 'HTTP port' },
  maxParallelCeiling: {
    env: 'DW_MAX_PARALLEL_CEILING',
    default: 256,
    min: 1,
    max: 4096,
    description: 'Highest maxParallel a run may ask for',
  },
  globalMaxParallel: {
    env: 'DW_GLOBAL_MAX_PARALLEL',
    default: 64,
    min: 1,
    max: 100_000,
    description: 'Agents in flight across all runs of the sidecar',
  },
  maxRuns: {
    env: 'DW_MAX_RUNS',
    default: 32,
    min: 1,
    max: 10_000,
    description: 'Runs executing their script at once; others wait in `queued`',
  },
  maxSandboxMemoryMb: {
    env: 'DW_MAX_SANDBOX_MEMORY_MB',
    default: 2048,
    min: 8,
    max: 1_048_576,
    description: 'Sum of the heaps of the scripts executing at once; others wait in `queued`',
  },
  maxItems: { env: 'DW_MAX_ITEMS', default: 4096, min: 1, max: 1_000_000, description: 'Items per parallel()/pipeline() call' },
  maxResultBytes: { env: 'DW_MAX_RESULT_BYTES', default: 1_048_576, min: 1024, max: 1 << 30, description: 'Largest run result in bytes' },
  maxEvents: { env: 'DW_MAX_EVENTS', default: 100_000, min: 100, max: 100_000_000, description: 'Events a run may write' },
  maxEventBytes: {
    env: 'DW_MAX_EVENT_BYTES',
    default: 64 * 1_048_576,
    min: 65_536,
    max: 2 ** 40,
    description: 'Bytes of events a run may write',
  },
  maxAgentAttempts: {
    env: 'DW_MAX_AGENT_ATTEMPTS',
    default: 3,
    min: 1,
    max: 100,
    description: 'Times one agent call may be dispatched, counted across restarts',
  },
  maxIsolatedCopies: {
    env: 'DW_MAX_ISOLATED_COPIES',
    default: 64,
    min: 0,
    max: 100_000,
    description: "Workspace copies of one run's isolated agents at once, kept ones included (0: no isolation)",
  },
  isolationCopyMaxMb: {
    env: 'DW_ISOLATION_COPY_MAX_MB',
    default: 100,
    min: 1,
    max: 1_048_576,
    description: 'Largest plain copy (MB of files) of a workspace that is not a git repository, for an isolated agent',
  },
  planRepairs: { env: 'DW_PLAN_REPAIRS', default: 2, min: 0, max: 10, description: 'Planner repair attempts after a failed script check' },
  modelRetries: {
    env: 'DW_MODEL_RETRIES',
    default: 8,
    min: 0,
    max: 100,
    description: 'Retries per model call on 429/529/connection errors',
  },
  callbackRetryBaseMs: {
    env: 'DW_CALLBACK_RETRY_BASE_MS',
    default: 500,
    min: 1,
    max: 86_400_000,
    description: 'First callback retry delay',
  },
  callbackRetryMaxMs: {
    env: 'DW_CALLBACK_RETRY_MAX_MS',
    default: 300_000,
    min: 1,
    max: 86_400_000,
    description: 'Longest callback retry delay',
  },
  mcpCallTimeoutMs: {
    env: 'DW_MCP_CALL_TIMEOUT_MS',
    default: 60_000,
    min: 100,
    max: HOUR,
    description: 'Time one MCP tool call may take; a slower call is a `mcp_timeout` tool error for the subagent',
  },
  mcpConnectTimeoutMs: {
    env: 'DW_MCP_CONNECT_TIMEOUT_MS',
    default: 15_000,
    min: 100,
    max: 600_000,
    description: 'Time to connect to an MCP server and list its tools; slower is `mcp_unavailable` for the agent',
  },
  redisLeaseMs: {
    env: 'DW_REDIS_LEASE_MS',
    default: 15_000,
    min: 1_000,
    max: 600_000,
    description:
      'With DW_REDIS_URL: how long a slot of the cluster-wide budget outlives its holder (renewed every third of it), so a killed sidecar gives its slots back after at most this long',
  },
  runLockMs: {
    env: 'DW_RUN_LOCK_MS',
    default: 30_000,
    min: 1_000,
    max: HOUR,
    description:
      "Queue mode: how long a worker's hold on a run outlives its last renewal (renewed every half of it); a killed worker's runs are taken over after this long and at most half as long again",
  },
  mcpMaxResultBytes: {
    env: 'DW_MCP_MAX_RESULT_BYTES',
    default: 262_144,
    min: 1024,
    max: 16 * 1_048_576,
    description: 'Largest MCP tool result (as text) handed to a subagent; a larger one is a `mcp_result_too_large` tool error',
  },
} as const satisfies Record<string, LimitSpec>;

export type SidecarLimitName = keyof typeof SIDECAR_LIMITS;

/** Lengths of the strings a script hands the host; longer ones are cut with a marker. */
export const TEXT_CAPS = {
  /** A phase name (phase(), agent({phase}), meta.phases entries). */
  phase: 200,
  /** An agent label. */
  label: 200,
  /** One log() line. */
  log: 8_192,
} as const;

/** Longest task of a run, in characters. */
export const MAX_TASK_CHARS = 100_000;

/** Largest workflow script in characters: a run's script, a saved workflow, a workflow() child. */
export const MAX_SCRIPT_CHARS = 200_000;

/** Largest prompt (or system prompt) a script may give one agent; larger fails that agent with `prompt_too_large`. */
export const MAX_PROMPT_CHARS = 1_000_000;

/**
 * What one MCP server's tool list may hold (a hostile or careless server cannot flood every
 * subagent's prompt): more tools are left out, longer descriptions cut, larger schemas refused.
 */
export const MCP_LIST_CAPS = {
  /** Tools kept from one server's list. */
  tools: 128,
  /** Characters of one tool's description. */
  description: 4_096,
  /** Bytes of one tool's input schema as JSON; a tool with a larger one is left out. */
  schemaBytes: 65_536,
  /** Pages of a paginated tools/list read. */
  pages: 16,
} as const;

/** Cuts `s` to at most `max` characters, marking the cut. */
export function capText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}
