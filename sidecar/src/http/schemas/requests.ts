import { MAX_SCRIPT_CHARS, MAX_TASK_CHARS, RUN_LIMITS, RUN_LIMIT_KEYS } from '../../core/limits';
import { TOOL_NAMES } from '../../core/names';
import { MAX_RUN_TOOLS, MCP_TOOL_PATTERN } from '../../core/mcp';
import { AGENT_STATUSES, RUN_STATUSES } from '../../core/types';
import { CALLBACK_EVENTS, MAX_CALLBACK_URL_LENGTH } from '../../callbacks/spec';
import { WORKFLOW_NAME_PATTERN } from '../../store/workflows';
import { DEFAULT_MAX_GROUP_RUNS, GROUP_WAITS } from '../../callbacks/group-spec';

/** JSON Schemas of what clients send; fastify validates with them and /openapi.json documents them. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export { MAX_SCRIPT_CHARS, MAX_TASK_CHARS };
/** Deepest nesting accepted in `input`: deeper JSON is a stack-overflow hazard for everything downstream. */
export const MAX_INPUT_DEPTH = 64;

const NOT_BLANK = '\\S';

const runId = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' };
const script = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_SCRIPT_CHARS,
  pattern: NOT_BLANK,
  description: 'The workflow script (JavaScript)',
};
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

const callbackUrl = {
  type: 'string',
  format: 'uri',
  maxLength: MAX_CALLBACK_URL_LENGTH,
  description: "http or https URL, e.g. n8n's $execution.resumeUrl",
};

export const callbackBody: JsonSchema = {
  type: 'object',
  required: ['url'],
  properties: {
    url: callbackUrl,
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

/** The most run ids the schema lets through; the service's own bound (`callback_group_limit`) is lower. */
export const MAX_GROUP_RUN_IDS_BODY = 10 * DEFAULT_MAX_GROUP_RUNS;

export const callbackGroupBody: JsonSchema = {
  type: 'object',
  required: ['runIds', 'url'],
  properties: {
    runIds: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_GROUP_RUN_IDS_BODY,
      items: runId,
      description: `The runs, in your order (one per n8n item; repeats allowed). At most ${DEFAULT_MAX_GROUP_RUNS}: 422 \`callback_group_limit\` beyond`,
    },
    wait: {
      type: 'string',
      enum: GROUP_WAITS,
      description:
        'all: every run has ended; any: `count` runs have ended; first: a run converged (or every run ended without one converging). Default all',
    },
    count: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_GROUP_RUN_IDS_BODY,
      description: 'For wait `any`: how many runs must have ended (default 1)',
    },
    url: callbackUrl,
    events: {
      type: 'array',
      minItems: 1,
      maxItems: CALLBACK_EVENTS.length,
      uniqueItems: true,
      items: { type: 'string', enum: CALLBACK_EVENTS },
      description: 'Run states that count as ended; default converged, failed, cancelled',
    },
    ifAlreadyMet: {
      type: 'string',
      enum: ['deliver', 'answer'],
      description:
        'When the condition already holds: deliver (default) registers and delivers at once; answer registers nothing and answers 200 with the body',
    },
  },
  additionalProperties: false,
};

export const groupParams: JsonSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' } },
  additionalProperties: false,
};

/**
 * Bounds from the limits table. The operator's ceilings are checked after the schema, so
 * asking for more than the operator allows is a `limit_above_ceiling` naming the ceiling.
 */
export function limitsSchema(): JsonSchema {
  const properties = Object.fromEntries(
    RUN_LIMIT_KEYS.map((k) => {
      const spec = RUN_LIMITS[k];
      return [
        k,
        {
          type: spec.fractional ? 'number' : 'integer',
          minimum: spec.min,
          maximum: spec.max,
          description: `${spec.description} (at most ${spec.env})`,
        },
      ];
    }),
  );
  return { type: 'object', properties, additionalProperties: false };
}

export function optionsSchema(): JsonSchema {
  const name = { type: 'string', minLength: 1, maxLength: 200 };
  return {
    type: 'object',
    properties: {
      model: { ...name, description: 'Planner model' },
      agentModel: { ...name, description: 'Subagent model' },
      approvePlan: { type: 'boolean', description: 'Stop at awaiting_approval before running the script' },
      tools: {
        type: 'array',
        maxItems: MAX_RUN_TOOLS,
        uniqueItems: true,
        items: {
          anyOf: [
            { type: 'string', enum: TOOL_NAMES },
            { type: 'string', maxLength: 64, pattern: MCP_TOOL_PATTERN },
          ],
        },
        description:
          'Tools the agents may use: built-in names, and mcp__<server>__<tool> or mcp__<server>__* of the MCP servers in DW_MCP_SERVERS',
      },
      workspace: { type: 'string', minLength: 1, maxLength: 256, description: 'Workspace folder under the configured roots' },
      limits: limitsSchema(),
    },
    additionalProperties: false,
  };
}

const workflowName = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: WORKFLOW_NAME_PATTERN,
  description: 'A saved workflow\'s name: letters, digits, "_" and "-"',
};

export function startBody(): JsonSchema {
  return {
    type: 'object',
    // A saved workflow brings its own task (its description) when none is given.
    anyOf: [
      { required: ['task'], properties: { task: { type: 'string' } } },
      { required: ['workflow'], properties: { workflow: { type: 'string' } } },
    ],
    properties: {
      task: { type: 'string', minLength: 1, maxLength: MAX_TASK_CHARS, pattern: NOT_BLANK },
      input,
      script: { ...script, description: 'Skips planning when given' },
      workflow: { ...workflowName, description: 'Run this saved workflow (skips planning); not with `script`' },
      options: optionsSchema(),
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

export const workflowParams: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: workflowName },
  additionalProperties: false,
};

export const saveWorkflowBody: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: workflowName,
    script: { ...script, description: 'The script to save; or `fromRun`' },
    fromRun: { ...runId, description: 'Save the script of this run' },
    replace: { type: 'boolean', description: 'Replace a saved workflow of the same name (else 409 `workflow_exists`)' },
  },
  additionalProperties: false,
};

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
