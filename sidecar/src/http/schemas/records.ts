import { CALLBACK_EVENTS } from '../../callbacks/spec';
import { GROUP_WAITS } from '../../callbacks/group-spec';
import { AGENT_EFFORTS, TOOL_NAMES } from '../../core/names';
import { MCP_TOOL_PATTERN } from '../../core/mcp';
import { AGENT_STATUSES, RUN_STATUSES } from '../../core/types';
import type { JsonSchema } from './requests';

/**
 * Response shapes for /openapi.json only. They are not handed to fastify's serializer: that would
 * drop any field not listed, and records may gain fields freely.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const count = { type: 'integer', minimum: 0 };

export const ErrorInfo: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
};

export const ErrorBody: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: ref('ErrorInfo') },
};

export const Usage: JsonSchema = {
  type: 'object',
  properties: {
    inputTokens: count,
    outputTokens: count,
    cacheReadTokens: count,
    cacheWriteTokens: count,
    usd: { type: 'number', minimum: 0 },
  },
};

export const RunRecord: JsonSchema = {
  type: 'object',
  required: ['id', 'status', 'counts', 'usage', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: RUN_STATUSES },
    phase: nullable({ type: 'string' }),
    task: { type: 'string' },
    input: {},
    options: { type: 'object' },
    limits: { type: 'object' },
    counts: {
      type: 'object',
      properties: { queued: count, active: count, done: count, failed: count, total: count },
    },
    usage: ref('Usage'),
    result: { description: "The script's return value once converged" },
    error: nullable(ref('ErrorInfo')),
    parentId: nullable({ type: 'string' }),
    workflow: nullable({ type: 'string', description: 'The saved workflow the script came from' }),
    meta: nullable(ref('ScriptMeta')),
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    hasScript: { type: 'boolean' },
    approval: nullable({ type: 'object', properties: { approved: { type: 'boolean' }, comment: nullable({ type: 'string' }) } }),
    paused: { type: 'boolean' },
    estimate: nullable({ type: 'object', properties: { agents: nullable(count), usd: nullable({ type: 'number' }) } }),
    deadlineAt: nullable({
      type: 'string',
      format: 'date-time',
      description: 'When the script deadline passes; fixed when the script first starts',
    }),
  },
};

export const PhaseDetail: JsonSchema = {
  type: 'object',
  required: ['title'],
  properties: { title: { type: 'string' }, detail: { type: 'string' }, model: { type: 'string' } },
};

export const ScriptMeta: JsonSchema = {
  type: 'object',
  description: "The script's `meta` (other keys it wrote are kept as they are)",
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    whenToUse: { type: 'string', description: "When to pick this script (Claude Code's `whenToUse`)" },
    phases: { type: 'array', items: { type: 'string' }, description: 'Phase titles, in order' },
    phaseDetails: {
      type: 'array',
      items: ref('PhaseDetail'),
      description: 'The phases as the script wrote them, when it wrote `{ title, detail?, model? }` objects',
    },
  },
};

export const AgentIsolation: JsonSchema = {
  type: 'object',
  description: "Where an `isolation: 'worktree'` agent's copy of the workspace went when it ended",
  required: ['kind', 'changed', 'path', 'branch', 'commit'],
  properties: {
    kind: { type: 'string', enum: ['worktree', 'copy'], description: '`worktree` for a git repository, else a plain copy' },
    changed: { type: 'boolean', description: 'Whether the agent changed files; an unchanged copy is removed' },
    path: nullable({ type: 'string', description: 'The kept copy, under the data folder; null once removed' }),
    branch: nullable({ type: 'string', description: 'The branch `dw/<runId>/<seq>` holding the changes (worktrees)' }),
    commit: nullable({ type: 'string', description: 'The commit on that branch' }),
  },
};

export const AgentRecord: JsonSchema = {
  type: 'object',
  required: ['runId', 'seq', 'status'],
  properties: {
    runId: { type: 'string' },
    seq: count,
    fingerprint: { type: 'string' },
    occurrence: count,
    label: nullable({ type: 'string' }),
    phase: nullable({ type: 'string' }),
    prompt: { type: 'string' },
    tools: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string', enum: TOOL_NAMES },
          { type: 'string', pattern: MCP_TOOL_PATTERN },
        ],
      },
    },
    model: { type: 'string' },
    effort: nullable({ type: 'string', enum: AGENT_EFFORTS, description: 'The `effort` the script asked for' }),
    agentType: nullable({ type: 'string', description: 'The `agentType` the script asked for' }),
    isolation: nullable(ref('AgentIsolation')),
    status: { type: 'string', enum: AGENT_STATUSES },
    result: {},
    error: nullable(ref('ErrorInfo')),
    usage: ref('Usage'),
    replayed: { type: 'boolean' },
    attempts: count,
    startedAt: nullable({ type: 'string', format: 'date-time' }),
    endedAt: nullable({ type: 'string', format: 'date-time' }),
  },
};

export const StoredEvent: JsonSchema = {
  type: 'object',
  required: ['id', 'runId', 'at', 'event'],
  properties: {
    id: { type: 'integer', description: 'Global, strictly increasing: the SSE id' },
    runId: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    event: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string', description: 'run.status, phase, agent.completed, … (also the SSE event name)' } },
    },
  },
};

export const CallbackRegistration: JsonSchema = {
  type: 'object',
  required: ['id', 'url', 'events'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string', format: 'uri' },
    events: { type: 'array', items: { type: 'string', enum: CALLBACK_EVENTS } },
  },
};

const groupRun = {
  type: 'object',
  required: ['runId', 'status', 'ended', 'usage'],
  properties: {
    runId: { type: 'string' },
    status: { type: 'string', enum: [...RUN_STATUSES, 'unknown'], description: '`unknown`: the run no longer exists' },
    result: { description: 'Present when the run converged' },
    resultOmitted: {
      type: 'boolean',
      const: true,
      description: 'The result was left out to keep the body under 16 MiB (largest results first); GET /v1/runs/:id has it',
    },
    error: ref('ErrorInfo'),
    usage: nullable(ref('Usage')),
    ended: { type: 'boolean', description: "Its status is one of the group's events; runs that have not ended carry their current status" },
  },
};

export const GroupPayload: JsonSchema = {
  type: 'object',
  required: ['groupId', 'wait', 'runIds', 'runs'],
  description:
    'The one body POSTed (signed) to the URL of a group, and the answer of a registration with `ifAlreadyMet: answer` whose condition held',
  properties: {
    groupId: nullable({ type: 'string' }),
    wait: { type: 'string', enum: GROUP_WAITS },
    count: count,
    runIds: { type: 'array', items: { type: 'string' }, description: 'As registered: order and repeats kept' },
    runs: { type: 'array', items: groupRun, description: 'Each distinct run once, in the order of first mention' },
  },
};

export const CallbackGroup: JsonSchema = {
  type: 'object',
  required: ['id', 'url', 'runIds', 'wait', 'events', 'state', 'met'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string', format: 'uri', description: 'Without its query (n8n signs resume URLs there)' },
    runIds: { type: 'array', items: { type: 'string' } },
    wait: { type: 'string', enum: GROUP_WAITS },
    count: nullable(count),
    events: { type: 'array', items: { type: 'string', enum: CALLBACK_EVENTS } },
    state: {
      type: 'string',
      enum: ['open', 'pending', 'delivering', 'delivered', 'failed'],
      description: 'open until the condition holds; then the delivery: pending (retries), delivering, delivered or failed',
    },
    met: { type: 'boolean', description: 'The condition held (the one delivery is enqueued or done)' },
    attempts: count,
    httpStatus: nullable({ type: 'integer' }),
    lastError: nullable({ type: 'string' }),
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export const RunList: JsonSchema = {
  type: 'object',
  required: ['runs', 'nextCursor'],
  properties: { runs: { type: 'array', items: ref('RunRecord') }, nextCursor: nullable({ type: 'string' }) },
};

export const AgentList: JsonSchema = {
  type: 'object',
  required: ['agents', 'total'],
  properties: { agents: { type: 'array', items: ref('AgentRecord') }, total: count },
};

export const Health: JsonSchema = {
  type: 'object',
  required: ['ok', 'version'],
  properties: { ok: { type: 'boolean', const: true }, version: { type: 'string' } },
};

export const SavedWorkflow: JsonSchema = {
  type: 'object',
  required: ['name', 'sha256', 'valid'],
  properties: {
    name: { type: 'string' },
    description: nullable({ type: 'string' }),
    whenToUse: nullable({ type: 'string' }),
    phases: { type: 'array', items: { type: 'string' } },
    meta: nullable({ type: 'object' }),
    sha256: { type: 'string', description: 'Hex SHA-256 of the script' },
    chars: count,
    updatedAt: { type: 'string', format: 'date-time' },
    valid: { type: 'boolean', description: 'False for a file that does not pass the script check (see `error`)' },
    error: ref('ErrorInfo'),
  },
};

export const SavedWorkflowWithScript: JsonSchema = {
  allOf: [ref('SavedWorkflow'), { type: 'object', required: ['script'], properties: { script: { type: 'string' } } }],
};

export const WorkflowList: JsonSchema = {
  type: 'object',
  required: ['workflows'],
  properties: { workflows: { type: 'array', items: ref('SavedWorkflow') } },
};

export const WorkflowDeleted: JsonSchema = {
  type: 'object',
  required: ['name', 'deleted'],
  properties: { name: { type: 'string' }, deleted: { type: 'boolean', const: true } },
};

export const COMPONENT_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  ErrorInfo,
  ErrorBody,
  Usage,
  RunRecord,
  PhaseDetail,
  ScriptMeta,
  AgentIsolation,
  AgentRecord,
  StoredEvent,
  CallbackRegistration,
  CallbackGroup,
  GroupPayload,
  RunList,
  AgentList,
  Health,
  SavedWorkflow,
  SavedWorkflowWithScript,
  WorkflowList,
  WorkflowDeleted,
};
