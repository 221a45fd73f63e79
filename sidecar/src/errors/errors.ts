/**
 * One error module for the sidecar. Every error has a stable `code` (what clients, the n8n
 * nodes and the run record see) and the HTTP status it maps to. Errors cross process and
 * sandbox boundaries as `{code, message}`, never by `instanceof`.
 */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
}

export class DwError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 500) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
  toJSON(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

// Limits of a run (each names the limit and its value in the message).
export class AgentLimitError extends DwError {
  constructor(limit: number) {
    super('agent_limit', `Agent limit reached: a run may start at most ${limit} agents (maxAgents)`, 422);
  }
}
export class ItemLimitError extends DwError {
  constructor(n: number, limit: number) {
    super('item_limit', `parallel/pipeline got ${n} items; at most ${limit} per call`, 422);
  }
}
export class CpuLimitError extends DwError {
  constructor(ms: number) {
    super('cpu_limit', `Script CPU time limit exceeded (cpuMs: ${ms} ms)`, 422);
  }
}
export class MemoryLimitError extends DwError {
  constructor(mb: number) {
    super('memory_limit', `Script memory limit exceeded (memoryMb: ${mb} MB)`, 422);
  }
}
export class DeadlineError extends DwError {
  constructor(ms: number) {
    super('deadline', `Run deadline exceeded (deadlineMs: ${ms} ms)`, 422);
  }
}
export class TokenBudgetError extends DwError {
  constructor(limit: number, spent: number) {
    super('budget_tokens', `Token budget exhausted: ${spent} of ${limit} tokens spent (maxTokens)`, 422);
  }
}
export class UsdBudgetError extends DwError {
  constructor(limit: number, spent: number) {
    super('budget_usd', `USD budget exhausted: $${spent.toFixed(4)} of $${limit} spent (maxUsd)`, 422);
  }
}
export class LimitAboveCeilingError extends DwError {
  constructor(name: string, asked: number, ceiling: number, env: string) {
    super(
      'limit_above_ceiling',
      `limits.${name} of ${asked} is above the operator's ceiling of ${ceiling} (${env}); a run may lower a limit, not raise it`,
      400,
    );
  }
}
export class EventBudgetError extends DwError {
  constructor(what: string, limit: number) {
    super('event_budget', `Run wrote too many events: at most ${limit} ${what} (DW_MAX_EVENT${what === 'bytes' ? '_BYTES' : 'S'})`, 422);
  }
}
export class PromptTooLargeError extends DwError {
  constructor(chars: number, limit: number) {
    super('prompt_too_large', `Agent prompt is ${chars} characters; at most ${limit}`, 422);
  }
}
export class AgentAttemptsError extends DwError {
  constructor(n: number) {
    super(
      'agent_attempts',
      `Agent was dispatched ${n} times without finishing (a crash or restart each time); not retried again (DW_MAX_AGENT_ATTEMPTS)`,
      422,
    );
  }
}
export class ResultTooLargeError extends DwError {
  constructor(bytes: number, limit: number) {
    super('result_too_large', `Script result is ${bytes} bytes; at most ${limit} bytes (DW_MAX_RESULT_BYTES)`, 422);
  }
}

// Script faults.
export class ScriptError extends DwError {
  constructor(message: string) {
    super('script_error', message, 422);
  }
}
export class ScriptCheckError extends DwError {
  constructor(message: string) {
    super('script_invalid', message, 400);
  }
}
export class DeterminismError extends DwError {
  constructor(what: string) {
    super('determinism', `${what} is not available in a workflow script: scripts must be deterministic so a run can replay`, 422);
  }
}
export class PlanningError extends DwError {
  constructor(message: string) {
    super('planning_failed', message, 502);
  }
}

// Run lifecycle.
export class RunCancelledError extends DwError {
  constructor(reason = 'Run cancelled') {
    super('cancelled', reason, 409);
  }
}
export class RunNotFoundError extends DwError {
  constructor(id: string) {
    super('run_not_found', `No run with id ${id}`, 404);
  }
}
export class AgentNotFoundError extends DwError {
  constructor(runId: string, seq: number) {
    super('agent_not_found', `Run ${runId} has no agent ${seq}`, 404);
  }
}
export class InvalidStateError extends DwError {
  constructor(message: string) {
    super('invalid_state', message, 409);
  }
}

// Saved workflows (DW_WORKFLOWS_DIR) and workflow().
export class WorkflowNotFoundError extends DwError {
  constructor(name: string) {
    super('workflow_not_found', `No saved workflow named "${name}"`, 404);
  }
}
export class WorkflowExistsError extends DwError {
  constructor(name: string) {
    super('workflow_exists', `A saved workflow named "${name}" exists already; send \`replace: true\` to replace it`, 409);
  }
}
export class WorkflowNameError extends DwError {
  constructor(name: string, pattern: string) {
    super('invalid_workflow_name', `Invalid workflow name ${JSON.stringify(name.slice(0, 120))}: expected ${pattern}`, 400);
  }
}
export class WorkflowPathError extends DwError {
  constructor(scriptPath: string, why: string) {
    super('workflow_path_denied', `workflow({ scriptPath: ${JSON.stringify(scriptPath.slice(0, 300))} }): ${why}`, 403);
  }
}
export class WorkflowNestingError extends DwError {
  constructor() {
    super(
      'workflow_nesting',
      'workflow() called from a workflow that workflow() started: one level of nesting only (call both from the parent script instead)',
      422,
    );
  }
}
export class WorkflowLimitError extends DwError {
  constructor(limit: number) {
    super('workflow_limit', `workflow() limit reached: a run may call workflow() at most ${limit} times (its maxAgents)`, 422);
  }
}
export class ScriptTooLargeError extends DwError {
  constructor(chars: number, limit: number) {
    super('script_too_large', `The script is ${chars} characters; at most ${limit}`, 413);
  }
}

// Requests and configuration.
export class ValidationError extends DwError {
  constructor(message: string) {
    super('invalid_request', message, 400);
  }
}
export class UnauthorizedError extends DwError {
  constructor(message = 'Missing or invalid bearer token') {
    super('unauthorized', message, 401);
  }
}
export class ConfigError extends DwError {
  constructor(message: string) {
    super('invalid_config', message, 500);
  }
}
/** The database's schema is newer than this build knows: a newer sidecar migrated it. */
export class StoreSchemaError extends DwError {
  constructor(found: number, known: number) {
    super('store_schema', `The database has schema version ${found}, newer than this sidecar knows (${known}): run a newer sidecar`, 500);
  }
}
/** The database cannot be reached (or refused the connection); the message never carries the password. */
export class StoreUnavailableError extends DwError {
  constructor(where: string, reason: string) {
    super('store_unavailable', `The database at ${where} is unavailable: ${reason}`, 503);
  }
}
/** A write carried a lease token older than one that already wrote to the run: another worker owns it now. */
export class FencedOutError extends DwError {
  constructor(runId: string, token: number, current: number) {
    super('fenced_out', `Run ${runId} is owned by a newer lease (token ${current}); this writer's token ${token} is stale`, 409);
  }
}
/** Another sidecar (or `run`) holds the data folder: two would resume, and pay for, the same runs. */
export class DataDirLockedError extends DwError {
  constructor(
    dataDir: string,
    holder: { pid: number; host: string; startedAt: string; command?: string },
    lockFile: string,
    sameHost: boolean,
  ) {
    super(
      'data_dir_locked',
      `Data folder ${dataDir} is in use by ${holder.command ? `\`${holder.command}\`` : 'another sidecar'} (pid ${holder.pid} on host ${holder.host}, since ${holder.startedAt}); ` +
        (sameHost
          ? 'stop it first, or give this one another DW_DATA_DIR'
          : `it runs on another host, so it cannot be checked from here: stop it there, or delete ${lockFile} if it is gone`),
      409,
    );
  }
}
/** DW_REDIS_URL is set but Redis does not answer (at start): what is shared through it (`purpose`) cannot be kept. */
export class RedisUnavailableError extends DwError {
  constructor(
    where: string,
    reason: string,
    purpose = "The agents' budget (DW_GLOBAL_MAX_PARALLEL) is shared through it; start Redis or unset DW_REDIS_URL to keep the budget per process",
  ) {
    super('redis_unavailable', `Redis at ${where} (DW_REDIS_URL) is unreachable: ${reason}. ${purpose}`, 503);
  }
}
/** A queue-mode worker no longer owns the run it executes: another worker took the run's job over with a newer fencing token. */
export class LeaseLostError extends DwError {
  constructor(runId: string, token: number, current: number | null) {
    super(
      'lease_lost',
      `Run ${runId} was taken over by another worker${current === null ? '' : ` (token ${current})`}; this execution's token ${token} is stale`,
      409,
    );
  }
}
/** The worker executing a run is shutting down; the run goes back to the queue for another worker. */
export class WorkerClosingError extends DwError {
  constructor() {
    super('worker_closing', 'The worker is shutting down; the run is handed back to the queue', 503);
  }
}
/** A control message reached the worker that owns the run, but its answer did not come back in time. */
export class ControlTimeoutError extends DwError {
  constructor(runId: string, timeoutMs: number) {
    super('control_timeout', `The worker that owns run ${runId} did not answer within ${timeoutMs} ms`, 504);
  }
}
/** The owner of a run refused or failed a control message: its error, code and status kept. */
export class ControlFailedError extends DwError {
  constructor(code: string, message: string, status: number) {
    super(code, message, status);
  }
}
/** A provider whose SDK package is not installed (or does not load): the message names the package and how to install it. */
export class ProviderUnavailableError extends DwError {
  constructor(
    readonly provider: string,
    readonly packageName: string,
    installSpec: string,
    sidecarPackage: string,
    reason: string,
  ) {
    super(
      'provider_unavailable',
      `Provider \`${provider}\` needs the package ${packageName}, which could not be loaded (${reason}). ` +
        `It is an optional dependency of ${sidecarPackage}: install it where the sidecar is installed ` +
        `(\`npm install ${installSpec}\`, with -g for a global install), or reinstall the sidecar without --omit=optional`,
      500,
    );
  }
}
/** An `agentType` this sidecar does not define: that agent fails, the script sees null. */
export class UnknownAgentTypeError extends DwError {
  constructor(agentType: string, defined: readonly string[]) {
    super(
      'unknown_agent_type',
      `Unknown agentType "${agentType}": this sidecar defines ${defined.map((t) => `"${t}"`).join(', ')} (the operator adds types with DW_AGENT_TYPES)`,
      422,
    );
  }
}
export class ToolNotAllowedError extends DwError {
  constructor(tool: string) {
    super('tool_not_allowed', `Tool ${tool} is not allowed for this run`, 403);
  }
}
// The operator's MCP servers (DW_MCP_SERVERS). Each ends one tool call (a tool error the
// subagent reads) or, when the agent cannot be given its tools at all, that agent.
/** An MCP server could not be connected or could not list its tools. */
export class McpUnavailableError extends DwError {
  constructor(server: string, reason: string) {
    super('mcp_unavailable', `MCP server "${server}" is unavailable: ${reason}`, 502);
  }
}
/** An allowed `mcp__<server>__<tool>` that the server's tool list (as recorded for the run) does not have. */
export class McpToolNotFoundError extends DwError {
  constructor(tool: string, server: string) {
    super('mcp_tool_not_found', `MCP server "${server}" has no tool for ${tool} in this run's tool list`, 422);
  }
}
export class McpTimeoutError extends DwError {
  constructor(tool: string, ms: number) {
    super('mcp_timeout', `MCP tool ${tool} did not answer within ${ms} ms (DW_MCP_CALL_TIMEOUT_MS)`, 504);
  }
}
export class McpResultTooLargeError extends DwError {
  /** `cut`: the answer was not read past `bytes`. */
  constructor(tool: string, bytes: number, limit: number, cut = false) {
    super(
      'mcp_result_too_large',
      `MCP tool ${tool} returned ${cut ? 'more than ' : ''}${bytes} bytes; at most ${limit} (DW_MCP_MAX_RESULT_BYTES)`,
      422,
    );
  }
}
/** The MCP tool ran and reported an error (`isError`), or the server refused the call. */
export class McpToolError extends DwError {
  constructor(tool: string, message: string) {
    super('mcp_tool_error', `MCP tool ${tool} failed: ${message}`, 422);
  }
}
export class WorkspaceError extends DwError {
  constructor(message: string) {
    super('workspace_denied', message, 403);
  }
}

/**
 * `isolation: 'worktree'` needs a workspace the operator made writable (DW_WRITABLE_WORKSPACES):
 * that agent fails, the script sees null.
 */
export class IsolationUnavailableError extends DwError {
  constructor(reason: string) {
    super('isolation_unavailable', `isolation: 'worktree' is unavailable: ${reason}`, 422);
  }
}
/** A workspace that is not a git repository is copied for an isolated agent, up to a bound. */
export class IsolationTooLargeError extends DwError {
  constructor(what: string, limit: string) {
    super(
      'isolation_too_large',
      `The workspace is too large to copy for an isolated agent: ${what}; at most ${limit} (a git repository gets a worktree instead)`,
      422,
    );
  }
}
/** A run's isolated agents hold as many workspace copies as the operator allows (changed copies are kept). */
export class IsolationLimitError extends DwError {
  constructor(limit: number) {
    super(
      'isolation_limit',
      limit === 0
        ? "isolation: 'worktree' is turned off on this sidecar (DW_MAX_ISOLATED_COPIES is 0)"
        : `This run's isolated agents already hold ${limit} workspace copies, the most allowed (DW_MAX_ISOLATED_COPIES); changed copies are kept until pruned`,
      422,
    );
  }
}
/** git (or the file system) refused to make or finish an agent's isolated copy. */
export class IsolationFailedError extends DwError {
  constructor(message: string) {
    super('isolation_failed', message, 500);
  }
}

// Model providers.
export type ProviderErrorKind = 'rate_limited' | 'overloaded' | 'connection' | 'timeout' | 'server' | 'auth' | 'bad_request';
export class ProviderError extends DwError {
  readonly kind: ProviderErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly httpStatus: number | undefined;
  constructor(kind: ProviderErrorKind, message: string, opts: { retryAfterMs?: number; httpStatus?: number } = {}) {
    super(`model_${kind}`, message, 502);
    this.kind = kind;
    this.retryAfterMs = opts.retryAfterMs;
    this.httpStatus = opts.httpStatus;
  }
  get retryable(): boolean {
    return (
      this.kind === 'rate_limited' ||
      this.kind === 'overloaded' ||
      this.kind === 'connection' ||
      this.kind === 'timeout' ||
      this.kind === 'server'
    );
  }
}
export class SchemaRetriesExhaustedError extends DwError {
  constructor(message: string) {
    super('schema_invalid', message, 422);
  }
}
export class MaxTurnsError extends DwError {
  constructor(n: number) {
    super('max_turns', `Agent reached maxTurns (${n}) without a final answer`, 422);
  }
}

/** Turns anything thrown into `{code, message}` without leaking stacks or secrets. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof DwError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err && typeof (err as { code: unknown }).code === 'string') {
    return { code: (err as { code: string }).code, message: String((err as { message: unknown }).message) };
  }
  if (err instanceof Error) return { code: 'internal', message: err.message };
  return { code: 'internal', message: String(err) };
}
