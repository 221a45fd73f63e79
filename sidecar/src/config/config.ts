import { isIP } from 'node:net';
import path from 'node:path';
import { ConfigError } from '../errors/errors';
import { checkDatabaseUrl, maskDatabaseUrl } from '../core/database-url';
import { MAX_PROMPT_CHARS, RUN_LIMITS, RUN_LIMIT_KEYS, SIDECAR_LIMITS, type LimitSpec } from '../core/limits';
import { BUILTIN_AGENT_TYPES, PROVIDER_NAMES, TOOL_NAMES, isProviderName, isToolName, type ProviderName } from '../core/names';
import type { RunLimits } from '../core/types';
import { isMcpAllowlistEntry } from '../core/mcp';
import { checkRedisUrl } from './redis-url';
import { mcpServers, type McpServerSpec } from './mcp-servers';

/**
 * An operator-defined agent type (DW_AGENT_TYPES): what `agent(…, { agentType })` gives the agent.
 * Each field is a default the script's own option replaces (`system` is added to the script's).
 */
export interface AgentTypeProfile {
  /** Added to the agent's system prompt, before the script's `system`. */
  readonly system?: string;
  /** The agent's tools when the script names none; still only tools the run allows. */
  readonly tools?: readonly string[];
  /** The agent's model when the script names none: an id or an alias. */
  readonly model?: string;
}

/** Sidecar configuration, read once from the environment (names are part of the contract). */
export interface SidecarConfig {
  /** @default '127.0.0.1' (DW_HOST) */
  readonly host: string;
  /** @default 7420 (DW_PORT) */
  readonly port: number;
  /** Bearer token for every route but /healthz (DW_TOKEN). Null only in development mode on loopback. */
  readonly token: string | null;
  /** Development mode (DW_DEV=1): allows running without a token, on loopback only. @default false */
  readonly dev: boolean;
  /** @default '.dynamic-workflows' in the working folder (DW_DATA_DIR) */
  readonly dataDir: string;
  /** @default 'anthropic' when ANTHROPIC_API_KEY is set, else 'offline' (DW_PROVIDER) */
  readonly provider: ProviderName;
  /** Planner model (DW_MODEL). @default provider's default */
  readonly model: string | null;
  /** Subagent model (DW_AGENT_MODEL). @default provider's default */
  readonly agentModel: string | null;
  /**
   * Agent types scripts may name in `agentType`, besides the built-in `general-purpose`
   * (DW_AGENT_TYPES, a JSON object of name → profile). @default none
   */
  readonly agentTypes: Readonly<Record<string, AgentTypeProfile>>;
  /**
   * Each run's limits (DW_MAX_PARALLEL, DW_MAX_AGENTS, DW_MAX_TOKENS, DW_MAX_USD, DW_DEADLINE_MS,
   * DW_CPU_MS, DW_MEMORY_MB): the defaults, and the ceilings a request may only lower.
   */
  readonly limits: RunLimits;
  /** Runs executing their script at once (DW_MAX_RUNS). @default 32 */
  readonly maxRuns: number;
  /** Sum of script heaps executing at once, MB (DW_MAX_SANDBOX_MEMORY_MB). @default 2048 */
  readonly maxSandboxMemoryMb: number;
  /** Events a run may write (DW_MAX_EVENTS). @default 100_000 */
  readonly maxEvents: number;
  /** Bytes of events a run may write (DW_MAX_EVENT_BYTES). @default 64 MiB */
  readonly maxEventBytes: number;
  /** Dispatches of one agent call, across restarts (DW_MAX_AGENT_ATTEMPTS). @default 3 */
  readonly maxAgentAttempts: number;
  /** Workspace copies one run's isolated agents may hold at once, kept ones included (DW_MAX_ISOLATED_COPIES). @default 64 */
  readonly maxIsolatedCopies: number;
  /** Largest plain copy of a workspace for an isolated agent, MB (DW_ISOLATION_COPY_MAX_MB). @default 100 */
  readonly isolationCopyMaxMb: number;
  /**
   * Agents in flight across all runs of this sidecar (DW_GLOBAL_MAX_PARALLEL); with `redisUrl`,
   * across every sidecar on that Redis. @default 64
   */
  readonly globalMaxParallel: number;
  /** Redis shared by the sidecars of a cluster (DW_REDIS_URL): the budget above becomes cluster-wide. @default null: in-process */
  readonly redisUrl: string | null;
  /** Put in front of every Redis key of this cluster (DW_REDIS_PREFIX). @default 'dw:' */
  readonly redisPrefix: string;
  /** Lease of a cluster-wide slot, renewed every third of it (DW_REDIS_LEASE_MS). @default 15_000 */
  readonly redisLeaseMs: number;
  /** Queue mode: a worker's lock on a run's job, renewed every half of it (DW_RUN_LOCK_MS). @default 30_000 */
  readonly runLockMs: number;
  /** Upper bound an operator allows a run to ask for in maxParallel (DW_MAX_PARALLEL_CEILING). @default 256 */
  readonly maxParallelCeiling: number;
  /** Items per parallel()/pipeline() call (DW_MAX_ITEMS). @default 4096 */
  readonly maxItems: number;
  /** Largest run result in bytes (DW_MAX_RESULT_BYTES). @default 1_048_576 */
  readonly maxResultBytes: number;
  /** Folders under which run workspaces live, separated by the path delimiter (DW_WORKSPACE_ROOTS). @default '<dataDir>/workspaces' */
  readonly workspaceRoots: readonly string[];
  /** The saved workflows: one `<name>.js` file each (DW_WORKFLOWS_DIR). @default '<dataDir>/workflows' */
  readonly workflowsDir: string;
  /** Workspaces (relative to a root) where write_file is allowed (DW_WRITABLE_WORKSPACES, comma separated). @default none */
  readonly writableWorkspaces: readonly string[];
  /**
   * MCP servers whose tools subagents may use as `mcp__<server>__<tool>` (DW_MCP_SERVERS: JSON,
   * or `@<file>`). @default none
   */
  readonly mcpServers: Readonly<Record<string, McpServerSpec>>;
  /** Time one MCP tool call may take (DW_MCP_CALL_TIMEOUT_MS). @default 60_000 */
  readonly mcpCallTimeoutMs: number;
  /** Time to connect to an MCP server and list its tools (DW_MCP_CONNECT_TIMEOUT_MS). @default 15_000 */
  readonly mcpConnectTimeoutMs: number;
  /** Largest MCP tool result handed to a subagent, in bytes (DW_MCP_MAX_RESULT_BYTES). @default 262_144 */
  readonly mcpMaxResultBytes: number;
  /** Hosts http_get may reach (DW_ALLOWED_HOSTS, comma separated). @default none */
  readonly allowedHosts: readonly string[];
  /**
   * Where callbacks may go (DW_CALLBACK_HOSTS, comma separated host names, `*.suffix`, IP addresses
   * or CIDR ranges; see callbacks/hosts.ts). @default none; loopback in development mode
   */
  readonly callbackHosts: readonly string[];
  /** Key for callback signatures (DW_CALLBACK_SECRET). @default the token */
  readonly callbackSecret: string | null;
  /** First callback retry delay (DW_CALLBACK_RETRY_BASE_MS). @default 500 */
  readonly callbackRetryBaseMs: number;
  /** Longest callback retry delay (DW_CALLBACK_RETRY_MAX_MS). @default 300_000 */
  readonly callbackRetryMaxMs: number;
  /** Planner repair attempts after a failed script check (DW_PLAN_REPAIRS). @default 2 */
  readonly planRepairs: number;
  /** Retries per model call on 429/529/connection errors (DW_MODEL_RETRIES). @default 8 */
  readonly modelRetries: number;
  /** @default 'info' (DW_LOG_LEVEL) */
  readonly logLevel: string;
  /** Days a finished run (with its events, journal and callbacks) is kept (DW_RETENTION_DAYS). @default null: kept forever */
  readonly retentionDays: number | null;
  /**
   * Postgres for the store (DW_DATABASE_URL), checked at start. @default null: SQLite in `dataDir`.
   * Today only `dynamic-workflows prune` runs on it; `serve` and `run` refuse it (`databaseUrlServes`).
   */
  readonly databaseUrl: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

function num(env: Env, spec: LimitSpec, max: number = spec.max): number {
  const raw = env[spec.env];
  if (raw === undefined || raw === '') return Math.min(spec.default, max);
  const n = Number(raw);
  if (!Number.isFinite(n) || n < spec.min || n > max || (!spec.fractional && !Number.isInteger(n))) {
    throw new ConfigError(
      `Expected \`${spec.env}\` to be ${spec.fractional ? 'a number' : 'an integer'} in ${spec.min}..${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function list(raw: string | undefined, sep: string): string[] {
  return (raw ?? '')
    .split(sep)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Whether `host` is a loopback IP literal (127.0.0.0/8, ::1, ::ffff:127.x.y.z). Names never
 * count: `127.attacker.example` starts like one and resolves anywhere.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const v4 = isIP(h) === 4 ? h : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  if (v4 !== undefined && isIP(v4) === 4) return v4.split('.')[0] === '127';
  return isIP(h) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(h);
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): SidecarConfig {
  const host = env.DW_HOST || '127.0.0.1';
  const dev = env.DW_DEV === '1' || env.DW_DEV === 'true';
  const token = env.DW_TOKEN || null;
  if (!token && !(dev && isLoopback(host))) {
    throw new ConfigError('DW_TOKEN is required (set DW_DEV=1 to run without a token, on a loopback DW_HOST only)');
  }
  if (token !== null && token.length < 16) throw new ConfigError('Expected `DW_TOKEN` to be at least 16 characters');
  const providerRaw = env.DW_PROVIDER || (env.ANTHROPIC_API_KEY ? 'anthropic' : 'offline');
  if (!isProviderName(providerRaw)) {
    throw new ConfigError(`Expected \`DW_PROVIDER\` to be one of ${PROVIDER_NAMES.join(', ')}, got ${JSON.stringify(providerRaw)}`);
  }
  const dataDir = path.resolve(cwd, env.DW_DATA_DIR || '.dynamic-workflows');
  const L = SIDECAR_LIMITS;
  const ceiling = num(env, L.maxParallelCeiling);
  const limits = Object.fromEntries(
    RUN_LIMIT_KEYS.map((k) => [k, num(env, RUN_LIMITS[k], k === 'maxParallel' ? ceiling : RUN_LIMITS[k].max)]),
  ) as unknown as RunLimits;
  const maxSandboxMemoryMb = num(env, L.maxSandboxMemoryMb);
  if (limits.memoryMb > maxSandboxMemoryMb) {
    throw new ConfigError(
      `DW_MEMORY_MB (${limits.memoryMb}) is larger than DW_MAX_SANDBOX_MEMORY_MB (${maxSandboxMemoryMb}): no run could start`,
    );
  }
  const roots = list(env.DW_WORKSPACE_ROOTS, path.delimiter).map((r) => path.resolve(cwd, r));
  const servers = mcpServers(env.DW_MCP_SERVERS, env, cwd);
  return {
    host,
    port: num(env, L.port),
    token,
    dev,
    dataDir,
    provider: providerRaw,
    model: env.DW_MODEL || null,
    agentModel: env.DW_AGENT_MODEL || null,
    agentTypes: agentTypes(env.DW_AGENT_TYPES, servers),
    limits,
    globalMaxParallel: num(env, L.globalMaxParallel),
    redisUrl: env.DW_REDIS_URL ? checkRedisUrl(env.DW_REDIS_URL) : null,
    redisPrefix: redisPrefix(env.DW_REDIS_PREFIX),
    redisLeaseMs: num(env, L.redisLeaseMs),
    runLockMs: num(env, L.runLockMs),
    maxRuns: num(env, L.maxRuns),
    maxSandboxMemoryMb,
    maxEvents: num(env, L.maxEvents),
    maxEventBytes: num(env, L.maxEventBytes),
    maxAgentAttempts: num(env, L.maxAgentAttempts),
    maxIsolatedCopies: num(env, L.maxIsolatedCopies),
    isolationCopyMaxMb: num(env, L.isolationCopyMaxMb),
    maxParallelCeiling: ceiling,
    maxItems: num(env, L.maxItems),
    maxResultBytes: num(env, L.maxResultBytes),
    workspaceRoots: roots.length ? roots : [path.join(dataDir, 'workspaces')],
    workflowsDir: env.DW_WORKFLOWS_DIR ? path.resolve(cwd, env.DW_WORKFLOWS_DIR) : path.join(dataDir, 'workflows'),
    writableWorkspaces: list(env.DW_WRITABLE_WORKSPACES, ','),
    mcpServers: servers,
    mcpCallTimeoutMs: num(env, L.mcpCallTimeoutMs),
    mcpConnectTimeoutMs: num(env, L.mcpConnectTimeoutMs),
    mcpMaxResultBytes: num(env, L.mcpMaxResultBytes),
    allowedHosts: list(env.DW_ALLOWED_HOSTS, ',').map((h) => h.toLowerCase()),
    callbackHosts: list(env.DW_CALLBACK_HOSTS, ','),
    callbackSecret: env.DW_CALLBACK_SECRET || token,
    callbackRetryBaseMs: num(env, L.callbackRetryBaseMs),
    callbackRetryMaxMs: num(env, L.callbackRetryMaxMs),
    planRepairs: num(env, L.planRepairs),
    modelRetries: num(env, L.modelRetries),
    logLevel: env.DW_LOG_LEVEL || 'info',
    retentionDays: retentionDays(env.DW_RETENTION_DAYS),
    databaseUrl: env.DW_DATABASE_URL ? checkDatabaseUrl(env.DW_DATABASE_URL) : null,
  };
}

/** DW_REDIS_PREFIX: up to 64 letters, digits and `:_.-`; unset is `dw:`. */
export function redisPrefix(raw: string | undefined): string {
  if (raw === undefined) return 'dw:';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw))
    throw new ConfigError(`Expected \`DW_REDIS_PREFIX\` to be 1-64 letters, digits, ":", "_", "." or "-", got ${JSON.stringify(raw)}`);
  return raw;
}

/** Unset or empty keeps runs forever; otherwise a positive number of days (fractions allowed). */
export function retentionDays(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 36_500) {
    throw new ConfigError(
      `Expected \`DW_RETENTION_DAYS\` to be a number of days in (0, 36500], got ${JSON.stringify(raw)}; leave it unset to keep runs forever`,
    );
  }
  return n;
}

const AGENT_TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const PROFILE_FIELDS = ['system', 'tools', 'model'];

/**
 * DW_AGENT_TYPES: `{ "<name>": { "system"?: string, "tools"?: string[], "model"?: string } }`.
 * Unset or empty defines none. Anything else than that shape stops the sidecar with `invalid_config`.
 */
export function agentTypes(
  raw: string | undefined,
  servers: Readonly<Record<string, McpServerSpec>> = {},
): Readonly<Record<string, AgentTypeProfile>> {
  if (raw === undefined || raw.trim() === '') return {};
  const bad = (why: string): ConfigError =>
    new ConfigError(
      `Expected \`DW_AGENT_TYPES\` to be a JSON object of agent types ({ "<name>": { "system"?, "tools"?, "model"? } }): ${why}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw bad(`it is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad(`got ${describeJson(parsed)}`);
  // A null prototype: a type named "constructor" or "__proto__" is a name like any other.
  const out = Object.create(null) as Record<string, AgentTypeProfile>;
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!AGENT_TYPE_NAME.test(name))
      throw bad(`the name ${JSON.stringify(name)} must be 1-100 letters, digits, "_", ".", ":" or "-", starting with a letter or digit`);
    if ((BUILTIN_AGENT_TYPES as readonly string[]).includes(name)) throw bad(`"${name}" is built in and cannot be redefined`);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw bad(`"${name}" must be an object, got ${describeJson(value)}`);
    const v = value as Record<string, unknown>;
    const unknown = Object.keys(v).filter((k) => !PROFILE_FIELDS.includes(k));
    if (unknown.length) throw bad(`"${name}" has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
    const profile: { system?: string; tools?: string[]; model?: string } = {};
    if (v.system !== undefined) {
      if (typeof v.system !== 'string' || v.system.trim() === '') throw bad(`"${name}".system must be a non-empty string`);
      if (v.system.length > MAX_PROMPT_CHARS) throw bad(`"${name}".system is longer than ${MAX_PROMPT_CHARS} characters`);
      profile.system = v.system;
    }
    if (v.tools !== undefined) {
      if (!Array.isArray(v.tools) || !v.tools.every((t): t is string => typeof t === 'string'))
        throw bad(`"${name}".tools must be an array of tool names`);
      const unknownTools = v.tools.filter((t) => !isToolName(t) && !isMcpAllowlistEntry(t, Object.keys(servers)));
      if (unknownTools.length)
        throw bad(
          `"${name}".tools names unknown tools ${unknownTools.map((t) => `"${t}"`).join(', ')} (tools: ${TOOL_NAMES.join(', ')}, or mcp__<server>__<tool> of a server in DW_MCP_SERVERS)`,
        );
      profile.tools = [...new Set(v.tools)];
    }
    if (v.model !== undefined) {
      if (typeof v.model !== 'string' || v.model.trim() === '')
        throw bad(`"${name}".model must be a non-empty string (a model id or an alias)`);
      profile.model = v.model;
    }
    out[name] = Object.freeze(profile);
  }
  return Object.freeze(out);
}

function describeJson(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/**
 * `run` executes one run in this process on the embedded SQLite store. Refused at start rather
 * than silently using SQLite while the operator believes runs are in Postgres.
 */
export function refuseDatabaseUrl(config: SidecarConfig, command: string): void {
  if (config.databaseUrl === null) return;
  throw new ConfigError(
    `DW_DATABASE_URL (${maskDatabaseUrl(config.databaseUrl)}) is set, but \`${command}\` keeps its run in SQLite (DW_DATA_DIR); ` +
      'unset DW_DATABASE_URL, or start the run through a sidecar (`serve`) on that database',
  );
}
