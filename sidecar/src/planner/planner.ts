import type Anthropic from '@anthropic-ai/sdk';
import { PlanningError, ScriptCheckError } from '../errors/errors';
import { emptyUsage, type Usage } from '../core/types';
import { callModel, type ModelCallHooks, type RetryPolicy } from '../agents/model-call';
import { addUsage } from '../core/usage';
import { priceUsage } from '../providers';
import type { ModelProvider } from '../providers/types';
import { checkScript } from '../sandbox';
import type { CheckedScript } from '../sandbox/types';
import { PLANNER_SYSTEM } from './system-prompt';

export const SUBMIT_TOOL = 'submit_workflow_script';

export interface PlanRequest {
  readonly task: string;
  readonly input: unknown;
  readonly tools: readonly string[];
  readonly maxAgents: number;
  readonly model: string;
  /** Saved workflows the script may call with `workflow(name, args)`; listed in the request. */
  readonly savedWorkflows?: readonly SavedWorkflowHint[];
}

/** What the planner is told of one saved workflow. */
export interface SavedWorkflowHint {
  readonly name: string;
  readonly description: string | null;
  readonly whenToUse: string | null;
}

export interface PlannerDeps {
  readonly provider: ModelProvider;
  readonly retry: RetryPolicy;
  readonly hooks: ModelCallHooks;
  /** Repair rounds after a script fails the check. @default 2 */
  readonly repairs: number;
}

const SUBMIT: Anthropic.Tool = {
  name: SUBMIT_TOOL,
  description: 'Submit the workflow script that will run the task.',
  input_schema: {
    type: 'object',
    properties: {
      script: { type: 'string', description: 'The JavaScript workflow script.' },
      summary: { type: 'string', description: 'One or two sentences on the plan, for the person approving it.' },
    },
    required: ['script'],
  },
};

/** Largest slice of the input shown to the planner; the script reads the whole input from `args`. */
const INPUT_PREVIEW_CHARS = 20_000;
/** Saved workflows listed to the planner, and the characters of each one's description and whenToUse. */
const MAX_WORKFLOW_HINTS = 50;
const WORKFLOW_HINT_CHARS = 300;

/**
 * Claude writes the script through a forced tool call. The script is checked as it will
 * run; a failed check goes back to the model with the error, a bounded number of times.
 */
export async function planScript(
  req: PlanRequest,
  deps: PlannerDeps,
  signal: AbortSignal,
): Promise<{ script: CheckedScript; summary: string | null; usage: Usage }> {
  const usage = emptyUsage();
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: userMessage(req) }];
  let lastError = 'no script submitted';
  for (let attempt = 0; attempt <= deps.repairs; attempt++) {
    const msg = await callModel(
      deps.provider,
      {
        model: req.model,
        max_tokens: 8192,
        system: [{ type: 'text', text: PLANNER_SYSTEM, cache_control: { type: 'ephemeral' } }],
        messages,
        tools: [SUBMIT],
        tool_choice: { type: 'tool', name: SUBMIT_TOOL },
      },
      signal,
      deps.retry,
      deps.hooks,
    );
    addUsage(usage, priceUsage(req.model, msg.usage));
    const use = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === SUBMIT_TOOL);
    if (!use) {
      lastError = `the model did not call ${SUBMIT_TOOL}`;
      // Only the reply's text is replayed (a call to another tool has no result to pair with); a
      // reply with no text is not replayed at all, since the Messages API refuses empty turns.
      const said = msg.content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text' && b.text.length > 0)
        .map((b) => ({ type: 'text' as const, text: b.text }));
      if (said.length) messages.push({ role: 'assistant', content: said });
      messages.push({ role: 'user', content: `Submit the script with the ${SUBMIT_TOOL} tool.` });
      continue;
    }
    const input = (use.input ?? {}) as { script?: unknown; summary?: unknown };
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: use.id, name: use.name, input: use.input }] });
    try {
      if (typeof input.script !== 'string' || !input.script.trim()) throw new ScriptCheckError('`script` must be a non-empty string');
      const script = checkScript(input.script);
      return { script, summary: typeof input.summary === 'string' ? input.summary : null, usage };
    } catch (err) {
      if (!(err instanceof ScriptCheckError)) throw err;
      lastError = err.message;
      messages.push({
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: use.id,
            is_error: true,
            content: `The script failed the check: ${err.message}\nFix it and submit the whole script again.`,
          },
        ],
      });
    }
  }
  const failure = new PlanningError(`The planner could not produce a valid script after ${deps.repairs + 1} attempts: ${lastError}`);
  throw Object.assign(failure, { usage });
}

function userMessage(req: PlanRequest): string {
  let input = JSON.stringify(req.input ?? null, null, 1);
  if (input.length > INPUT_PREVIEW_CHARS)
    input = `${input.slice(0, INPUT_PREVIEW_CHARS)}\n… (truncated; the script gets the whole input as args)`;
  return [
    `Task:\n${req.task}`,
    `Input (available to the script as args):\n${input}`,
    `Tools the operator allows for subagents: ${req.tools.length ? req.tools.join(', ') : 'none'}.`,
    `At most ${req.maxAgents} agents for this run.`,
    ...savedWorkflowLines(req.savedWorkflows ?? []),
  ].join('\n\n');
}

function savedWorkflowLines(hints: readonly SavedWorkflowHint[]): string[] {
  if (hints.length === 0) return [];
  const cut = (s: string) => (s.length > WORKFLOW_HINT_CHARS ? `${s.slice(0, WORKFLOW_HINT_CHARS)}…` : s);
  const lines = hints.slice(0, MAX_WORKFLOW_HINTS).map((w) => {
    const parts = [w.description && cut(w.description), w.whenToUse && `when to use: ${cut(w.whenToUse)}`].filter(Boolean);
    return `- ${JSON.stringify(w.name)}${parts.length ? `: ${parts.join('; ')}` : ''}`;
  });
  const more = hints.length > MAX_WORKFLOW_HINTS ? [`… and ${hints.length - MAX_WORKFLOW_HINTS} more`] : [];
  return [['Saved workflows this script may call with `await workflow(name, args)` when one fits a step:', ...lines, ...more].join('\n')];
}
