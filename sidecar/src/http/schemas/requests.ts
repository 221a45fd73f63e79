import type { SidecarConfig } from '../../config/config';
import type { AgentStatus, RunStatus } from '../../engine/types';
import { CALLBACK_EVENTS, MAX_CALLBACK_URL_LENGTH } from '../../callbacks/spec';

/** JSON Schemas of what clients send; fastify validates with them and /openapi.json documents them. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export const TOOL_NAMES = ['read_file', 'list_files', 'grep', 'write_file', 'http_get'] as const;
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'planning', 'awaiting_approval', 'running', 'converged', 'failed', 'cancelled'];
export const AGENT_STATUSES: readonly AgentStatus[] = ['queued', 'active', 'done', 'failed', 'cancelled'];

export const MAX_TASK_CHARS = 100_000;
export const MAX_SCRIPT_CHARS = 200_000;
/** Deepest nesting accepted in `input`: deeper JSON is a stack-overflow hazard for everything downstream. */
export const MAX_INPUT_DEPTH = 64;

const NOT_BLANK = '\\S';

const runId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' };
const script = { type: 'string', minLength: 1, maxLength: MAX_SCRIPT_CHARS, pattern: NOT_BLANK, description: 'The workflow script (JavaScript)' };
const input = { maxDepth: MAX_INPUT_DEPTH, description: 'Any JSON value; the script sees it as `args`' };

export const runParams: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: runId },
  additionalProperties: false,
};

export const agentParams: JsonSchema = {
  type: 'object',
  required: ['id', 'seq'],
  properties: { id: runId, seq: { type: 'integer', minimum: 0, maximum: 1_000_000 } },
  additionalProperties: false,
};

export const callbackBody: JsonSchema = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', format: 'uri', maxLength: MAX_CALLBACK_URL_LENGTH, description: 'http or https URL, e.g. n8n\'s $execution.resumeUrl' },
    events: {
      type: 'array',
      minItems: 1,
      maxItems: CALLBACK_EVENTS.length,
      uniqueItems: true,
      items: { type: 'string', enum: CALLBACK_EVENTS },
      description: 'Run states to deliver; default converged, failed, cancelled',
    },
  },
  additionalProperties: false,
};

/** Bounds match the configuration's, so a run cannot ask for more than an operator could configure. */
export function limitsSchema(config: Pick<SidecarConfig, 'maxParallelCeiling'>): JsonSchema {
  const int = (minimum: number, maximum: number, description: string) => ({ type: 'integer', minimum, maximum, description });
  return {
    type: 'object',
    properties: {
      maxParallel: int(1, config.maxParallelCeiling, 'Agents in flight at once'),
      maxAgents: int(1, 100_000, 'Agents the run may start in all'),
      maxTokens: int(1, 1e12, 'Token budget'),
      maxUsd: { type: 'number', minimum: 0, maximum: 1e9, description: 'USD budget' },
      deadlineMs: int(1, 7 * 24 * 3_600_000, 'Wall-clock deadline'),
      cpuMs: int(1, 3_600_000, 'Script CPU time'),
      memoryMb: int(8, 4096, 'Script heap'),
    },
    additionalProperties: false,
  };
}

export function optionsSchema(config: Pick<SidecarConfig, 'maxParallelCeiling'>): JsonSchema {
  const name = { type: 'string', minLength: 1, maxLength: 200 };
  return {
    type: 'object',
    properties: {
      model: { ...name, description: 'Planner model' },
      agentModel: { ...name, description: 'Subagent model' },
      approvePlan: { type: 'boolean', description: 'Stop at awaiting_approval before running the script' },
      tools: { type: 'array', maxItems: TOOL_NAMES.length, uniqueItems: true, items: { type: 'string', enum: TOOL_NAMES } },
      workspace: { type: 'string', minLength: 1, maxLength: 256, description: 'Workspace folder under the configured roots' },
      limits: limitsSchema(config),
    },
    additionalProperties: false,
  };
}

export function startBody(config: Pick<SidecarConfig, 'maxParallelCeiling'>): JsonSchema {
  return {
    type: 'object',
    required: ['task'],
    properties: {
      task: { type: 'string', minLength: 1, maxLength: MAX_TASK_CHARS, pattern: NOT_BLANK },
      input,
      script: { ...script, description: 'Skips planning when given' },
      options: optionsSchema(config),
      callback: callbackBody,
    },
    additionalProperties: false,
  };
}

// Action bodies may be omitted entirely (undefined reaches the validator as null).
const optionalObject = (properties: Record<string, unknown>): JsonSchema => ({
  type: ['object', 'null'],
  properties,
  additionalProperties: false,
});

export const approveBody: JsonSchema = {
  type: 'object',
  required: ['approved'],
  properties: { approved: { type: 'boolean' }, comment: { type: 'string', maxLength: 10_000 } },
  additionalProperties: false,
};
export const cancelBody = optionalObject({ reason: { type: 'string', maxLength: 1_000 } });
export const rerunBody = optionalObject({ script, input });
export const emptyBody = optionalObject({});

export const listRunsQuery: JsonSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: RUN_STATUSES },
    limit: { type: 'integer', minimum: 1, maximum: 500, description: 'Default 50' },
    cursor: { type: 'string', minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' },
  },
  additionalProperties: false,
};

export const listAgentsQuery: JsonSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: AGENT_STATUSES },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Default 100' },
  },
  additionalProperties: false,
};

export const eventsQuery: JsonSchema = {
  type: 'object',
  properties: {
    lastEventId: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Same as the Last-Event-ID header' },
  },
  additionalProperties: false,
};
