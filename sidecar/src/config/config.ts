import path from 'node:path';
import { ConfigError } from '../errors/errors';
import type { RunLimits } from '../engine/types';
import type { ProviderName } from '../providers/types';

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
  /** Defaults for each run's limits (DW_MAX_PARALLEL, DW_MAX_AGENTS, DW_MAX_TOKENS, DW_MAX_USD, DW_DEADLINE_MS, DW_CPU_MS, DW_MEMORY_MB). */
  readonly limits: RunLimits;
  /** Agents in flight across all runs of this sidecar (DW_GLOBAL_MAX_PARALLEL). @default 64 */
  readonly globalMaxParallel: number;
  /** Upper bound an operator allows a run to ask for in maxParallel (DW_MAX_PARALLEL_CEILING). @default 256 */
  readonly maxParallelCeiling: number;
  /** Items per parallel()/pipeline() call (DW_MAX_ITEMS). @default 4096 */
  readonly maxItems: number;
  /** Largest run result in bytes (DW_MAX_RESULT_BYTES). @default 1_048_576 */
  readonly maxResultBytes: number;
  /** Folders under which run workspaces live, separated by the path delimiter (DW_WORKSPACE_ROOTS). @default '<dataDir>/workspaces' */
  readonly workspaceRoots: readonly string[];
  /** Workspaces (relative to a root) where write_file is allowed (DW_WRITABLE_WORKSPACES, comma separated). @default none */
  readonly writableWorkspaces: readonly string[];
  /** Hosts http_get may reach (DW_ALLOWED_HOSTS, comma separated). @default none */
  readonly allowedHosts: readonly string[];
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
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`Expected \`${name}\` to be a number in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function list(raw: string | undefined, sep: string): string[] {
  return (raw ?? '').split(sep).map((s) => s.trim()).filter(Boolean);
}

const PROVIDERS: readonly ProviderName[] = ['anthropic', 'bedrock', 'vertex', 'foundry', 'offline'];
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
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
  if (!PROVIDERS.includes(providerRaw as ProviderName)) {
    throw new ConfigError(`Expected \`DW_PROVIDER\` to be one of ${PROVIDERS.join(', ')}, got ${JSON.stringify(providerRaw)}`);
  }
  const dataDir = path.resolve(cwd, env.DW_DATA_DIR || '.dynamic-workflows');
  const ceiling = int(env, 'DW_MAX_PARALLEL_CEILING', 256, 1, 4096);
  const limits: RunLimits = {
    maxParallel: int(env, 'DW_MAX_PARALLEL', 16, 1, ceiling),
    maxAgents: int(env, 'DW_MAX_AGENTS', 1000, 1, 100_000),
    maxTokens: int(env, 'DW_MAX_TOKENS', 2_000_000, 1, 1e12),
    maxUsd: int(env, 'DW_MAX_USD', 25, 0, 1e9),
    deadlineMs: int(env, 'DW_DEADLINE_MS', 3_600_000, 1, 7 * 24 * 3_600_000),
    cpuMs: int(env, 'DW_CPU_MS', 10_000, 1, 3_600_000),
    memoryMb: int(env, 'DW_MEMORY_MB', 128, 8, 4096),
  };
  const roots = list(env.DW_WORKSPACE_ROOTS, path.delimiter).map((r) => path.resolve(cwd, r));
  return {
    host,
    port: int(env, 'DW_PORT', 7420, 0, 65535),
    token,
    dev,
    dataDir,
    provider: providerRaw as ProviderName,
    model: env.DW_MODEL || null,
    agentModel: env.DW_AGENT_MODEL || null,
    limits,
    globalMaxParallel: int(env, 'DW_GLOBAL_MAX_PARALLEL', 64, 1, 100_000),
    maxParallelCeiling: ceiling,
    maxItems: int(env, 'DW_MAX_ITEMS', 4096, 1, 1_000_000),
    maxResultBytes: int(env, 'DW_MAX_RESULT_BYTES', 1_048_576, 1024, 1 << 30),
    workspaceRoots: roots.length ? roots : [path.join(dataDir, 'workspaces')],
    writableWorkspaces: list(env.DW_WRITABLE_WORKSPACES, ','),
    allowedHosts: list(env.DW_ALLOWED_HOSTS, ',').map((h) => h.toLowerCase()),
    callbackSecret: env.DW_CALLBACK_SECRET || token,
    callbackRetryBaseMs: int(env, 'DW_CALLBACK_RETRY_BASE_MS', 500, 1, 86_400_000),
    callbackRetryMaxMs: int(env, 'DW_CALLBACK_RETRY_MAX_MS', 300_000, 1, 86_400_000),
    planRepairs: int(env, 'DW_PLAN_REPAIRS', 2, 0, 10),
    modelRetries: int(env, 'DW_MODEL_RETRIES', 8, 0, 100),
    logLevel: env.DW_LOG_LEVEL || 'info',
  };
}
