import type Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { DwError, MaxTurnsError, SchemaRetriesExhaustedError, ToolNotAllowedError, toErrorInfo } from '../errors/errors';
import type { AgentEffort } from '../core/names';
import { parseMcpToolName } from '../core/mcp';
import type { McpTools } from '../mcp';
import { addUsage, emptyUsage, type Usage } from '../core/types';
import { priceUsage } from '../providers';
import type { Message, MessageParams, ModelProvider } from '../providers/types';
import { runTool, toolDefinitionsFor } from '../tools';
import type { ToolContext } from '../tools/types';
import { callModel, type ModelCallHooks, type RetryPolicy } from './model-call';
import type { PrefixWarmup } from './prefix-warmup';
import { STRUCTURED_OUTPUT_TOOL, structuredOutput } from './structured-output';
import { SUBAGENT_SYSTEM } from './system-prompt';

/** One subagent's task, with the run's allowlist already applied to `tools`. */
export interface AgentTask {
  readonly prompt: string;
  readonly system: string | null;
  readonly schema: Record<string, unknown> | null;
  readonly tools: readonly string[];
  readonly model: string;
  readonly maxTurns: number;
  /** @default 4096 */
  readonly maxTokens?: number;
  /**
   * The system prompt of the operator's agent type (DW_AGENT_TYPES), a block of its own
   * between the sidecar's and the script's. @default null
   */
  readonly typeSystem?: string | null;
  /**
   * Claude Code's `effort`: sent as an extended-thinking budget (EFFORT_THINKING_BUDGETS),
   * except for schema agents, whose forced tool choice the API does not allow with thinking.
   * @default null
   */
  readonly effort?: AgentEffort | null;
}

/** Extended-thinking budget (tokens) of each `effort`; `max_tokens` is raised by as much. */
export const EFFORT_THINKING_BUDGETS: Readonly<Record<AgentEffort, number>> = { low: 1024, medium: 4096, high: 16_000, max: 32_000 };

/**
 * The thinking budget this task sends, or null. A schema agent forces its StructuredOutput tool
 * (`tool_choice` any or tool), which the Messages API refuses together with thinking: its effort
 * stays recorded only.
 */
export function thinkingBudget(task: Pick<AgentTask, 'effort' | 'schema'>): number | null {
  return task.effort && !task.schema ? EFFORT_THINKING_BUDGETS[task.effort] : null;
}

export interface AgentDeps {
  readonly provider: ModelProvider;
  readonly toolContext: ToolContext;
  readonly retry: RetryPolicy;
  readonly hooks: ModelCallHooks;
  readonly warmup?: PrefixWarmup;
  /** The run's MCP tools (DW_MCP_SERVERS); without it an `mcp__…` tool is not allowed. @default none */
  readonly mcp?: McpTools;
  /** Called after every model response, so budgets see spend as it happens. */
  readonly onUsage?: (u: Usage) => void;
}

/** A terminal agent failure, carrying what the attempt spent. */
export class AgentFailure extends DwError {
  constructor(
    override readonly cause: unknown,
    readonly usage: Usage,
  ) {
    const info = toErrorInfo(cause);
    super(info.code, info.message, 422);
  }
}

/** Schema answers that fail validation are sent back for correction this many times. */
const SCHEMA_RETRIES = 2;
/** Prefixes shorter than this are not cached by the API, so there is nothing to warm. */
const MIN_CACHE_CHARS = 1024 * 4;

/**
 * A subagent: a fresh Messages API conversation with its task and tools, looping over
 * tool calls until it answers (text, or the StructuredOutput tool) or runs out of turns.
 */
export async function runAgent(task: AgentTask, deps: AgentDeps, signal: AbortSignal): Promise<{ value: unknown; usage: Usage }> {
  const usage = emptyUsage();
  try {
    return { value: await loop(task, deps, signal, usage), usage };
  } catch (err) {
    throw new AgentFailure(err, usage);
  }
}

async function loop(task: AgentTask, deps: AgentDeps, signal: AbortSignal, usage: Usage): Promise<unknown> {
  const so = task.schema ? structuredOutput(task.schema) : null;
  const tools: Anthropic.Tool[] = await offeredTools(task.tools, deps, signal);
  const offered = tools.map((t) => t.name);
  if (so) tools.push(so.tool as Anthropic.Tool);
  const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: SUBAGENT_SYSTEM }];
  if (task.typeSystem) system.push({ type: 'text', text: task.typeSystem });
  if (task.system) system.push({ type: 'text', text: task.system });
  // The cache breakpoint sits on the last system block: tools + system are the shared prefix.
  system[system.length - 1] = { ...system[system.length - 1], cache_control: { type: 'ephemeral' } };
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: task.prompt }];
  let schemaFailures = 0;
  const thinking = thinkingBudget(task);
  // Thinking counts towards max_tokens: the answer keeps its own allowance on top of the budget.
  const maxTokens = (task.maxTokens ?? 4096) + (thinking ?? 0);

  for (let turn = 1; turn <= task.maxTurns; turn++) {
    const params: MessageParams = {
      model: task.model,
      max_tokens: maxTokens,
      system,
      messages,
      ...(tools.length ? { tools } : {}),
      ...(so ? { tool_choice: tools.length === 1 ? { type: 'tool', name: STRUCTURED_OUTPUT_TOOL } : { type: 'any' } } : {}),
      ...(thinking ? { thinking: { type: 'enabled', budget_tokens: thinking } } : {}),
    };
    const msg = await firstCallWarmed(turn === 1, params, deps, signal);
    const spent = priceUsage(task.model, msg.usage);
    addUsage(usage, spent);
    deps.onUsage?.(spent);
    // An empty reply (no text, no tool call) is not replayed: the Messages API refuses empty
    // assistant turns, and the reminder below joins the user turn before it.
    const replay = toParams(msg.content);
    if (replay.some((b) => b.type === 'text' || b.type === 'tool_use')) messages.push({ role: 'assistant', content: replay });
    const uses = msg.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');

    if (uses.length === 0) {
      const text = msg.content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text')
        .map((b) => b.text)
        .join('');
      if (!so) return text;
      schemaFailures++;
      if (schemaFailures > SCHEMA_RETRIES)
        throw new SchemaRetriesExhaustedError(`Agent did not answer through ${STRUCTURED_OUTPUT_TOOL} after ${SCHEMA_RETRIES} reminders`);
      messages.push({ role: 'user', content: `Answer by calling the ${STRUCTURED_OUTPUT_TOOL} tool with input matching its schema.` });
      continue;
    }

    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const use of uses) {
      if (use.name === STRUCTURED_OUTPUT_TOOL && so) {
        const checked = so.validate(use.input);
        if (checked.ok) return checked.value;
        schemaFailures++;
        if (schemaFailures > SCHEMA_RETRIES)
          throw new SchemaRetriesExhaustedError(
            `StructuredOutput did not match the schema after ${SCHEMA_RETRIES} retries: ${checked.errors}`,
          );
        results.push({
          type: 'tool_result',
          tool_use_id: use.id,
          is_error: true,
          content: `Input does not match the schema: ${checked.errors}`,
        });
        continue;
      }
      results.push(await toolResult(use, offered, deps));
    }
    messages.push({ role: 'user', content: results });
  }
  throw new MaxTurnsError(task.maxTurns);
}

async function firstCallWarmed(first: boolean, params: MessageParams, deps: AgentDeps, signal: AbortSignal): Promise<Message> {
  if (!first || !deps.warmup) return callModel(deps.provider, params, signal, deps.retry, deps.hooks);
  const prefix = JSON.stringify([params.model, params.tools ?? null, params.system]);
  if (prefix.length < MIN_CACHE_CHARS) return callModel(deps.provider, params, signal, deps.retry, deps.hooks);
  const release = await deps.warmup.acquire(createHash('sha256').update(prefix).digest('hex'));
  try {
    return await callModel(deps.provider, params, signal, deps.retry, deps.hooks);
  } finally {
    release();
  }
}

/**
 * The Messages API tools of `names`: built-in tools by name, MCP tools (`mcp__<server>__<tool>`,
 * `mcp__<server>__*`) from the run's tool lists. An MCP server that cannot be reached fails the
 * agent (`mcp_unavailable`) before its first model call.
 */
async function offeredTools(names: readonly string[], deps: AgentDeps, signal: AbortSignal): Promise<Anthropic.Tool[]> {
  const mcpNames = names.filter((n) => parseMcpToolName(n) !== null);
  const builtin = toolDefinitionsFor(names.filter((n) => parseMcpToolName(n) === null)).map((t) => ({ ...t }) as Anthropic.Tool);
  if (mcpNames.length === 0) return builtin;
  if (!deps.mcp) throw new ToolNotAllowedError(mcpNames.join(', '));
  const mcp = await deps.mcp.definitions(mcpNames, signal);
  return [
    ...builtin,
    ...mcp.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema as Anthropic.Tool.InputSchema })),
  ];
}

async function toolResult(
  use: Anthropic.ToolUseBlock,
  offered: readonly string[],
  deps: AgentDeps,
): Promise<Anthropic.ToolResultBlockParam> {
  if (!offered.includes(use.name)) {
    return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `Tool ${use.name} is not available to this agent` };
  }
  try {
    const input = (use.input ?? {}) as Record<string, unknown>;
    const out =
      deps.mcp && parseMcpToolName(use.name) !== null
        ? await deps.mcp.call(use.name, input, deps.toolContext.signal)
        : await runTool(use.name, input, deps.toolContext);
    return { type: 'tool_result', tool_use_id: use.id, content: out };
  } catch (err) {
    const info = toErrorInfo(err);
    return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `${info.code}: ${info.message}` };
  }
}

/**
 * The reply as the next request's assistant turn. Thinking blocks go back unchanged, signature
 * included, and in their place (before the tool calls): the Messages API requires them on an
 * assistant turn whose tool calls the next user turn answers while thinking is on.
 */
function toParams(content: Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  const out: Anthropic.ContentBlockParam[] = [];
  for (const b of content) {
    if (b.type === 'text') {
      if (b.text) out.push({ type: 'text', text: b.text });
    } else if (b.type === 'tool_use') out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input });
    else if (b.type === 'thinking') out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    else if (b.type === 'redacted_thinking') out.push({ type: 'redacted_thinking', data: b.data });
  }
  return out;
}
