import Anthropic from '@anthropic-ai/sdk';
import { createOfflineModelServer, type OfflineModelServer, type OfflineModelServerOptions } from '../../src/offline';

export interface Running {
  readonly server: OfflineModelServer;
  readonly client: Anthropic;
  readonly url: string;
}

/** The offline model on a real socket and the real SDK pointed at it (no SDK retries: tests see every answer). */
export async function startOffline(opts: OfflineModelServerOptions = {}): Promise<Running> {
  const server = createOfflineModelServer(opts);
  const { url } = await server.listen(0, '127.0.0.1');
  const client = new Anthropic({ apiKey: 'offline', baseURL: url, maxRetries: 0 });
  return { server, client, url };
}

export const MODEL = 'offline-claude';

/** A tool as the agents module offers them. */
export function tool(name: string, properties: Record<string, unknown>, required: string[] = Object.keys(properties)): Anthropic.Tool {
  return { name, description: `The ${name} tool`, input_schema: { type: 'object', properties, required } };
}

export const READ_FILE = tool('read_file', { path: { type: 'string' } });
export const LIST_FILES = tool('list_files', { path: { type: 'string' } }, []);
export const GREP = tool('grep', { pattern: { type: 'string' }, path: { type: 'string' } }, ['pattern']);

/** A planning request as sidecar/src/planner sends it. */
export function plannerParams(
  task: string,
  input: unknown = {},
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: MODEL,
    max_tokens: 8192,
    system: [{ type: 'text', text: 'You write orchestration scripts.', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          `Task:\n${task}`,
          `Input (available to the script as args):\n${JSON.stringify(input, null, 1)}`,
          'Tools the operator allows for subagents: read_file, grep.',
          'At most 1000 agents for this run.',
        ].join('\n\n'),
      },
    ],
    tools: [
      {
        name: 'submit_workflow_script',
        description: 'Submit the workflow script that will run the task.',
        input_schema: { type: 'object', properties: { script: { type: 'string' }, summary: { type: 'string' } }, required: ['script'] },
      },
    ],
    tool_choice: { type: 'tool', name: 'submit_workflow_script' },
    ...extra,
  };
}

export function toolUses(msg: Anthropic.Message): Anthropic.ToolUseBlock[] {
  return msg.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
}

export function textOf(msg: Anthropic.Message): string {
  return msg.content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
}

export interface ScriptCall {
  readonly prompt: string;
  readonly opts: { label?: string; schema?: Record<string, unknown> };
}

/**
 * Runs a workflow script with stand-ins for the sandbox's globals, to check that a plan
 * does what it says: the real sandbox is another module's concern.
 */
export async function runScript(
  script: string,
  args: unknown,
  agent: (call: ScriptCall) => unknown,
  extraGlobals: Record<string, unknown> = {},
): Promise<{ result: unknown; calls: ScriptCall[]; phases: string[]; logs: string[] }> {
  const calls: ScriptCall[] = [];
  const phases: string[] = [];
  const logs: string[] = [];
  const globals: Record<string, unknown> = {
    args,
    agent: async (prompt: string, opts: ScriptCall['opts'] = {}) => {
      const call = { prompt, opts };
      calls.push(call);
      return agent(call);
    },
    parallel: async (thunks: (() => unknown)[]) =>
      Promise.all(
        thunks.map(async (t) => {
          try {
            return await t();
          } catch {
            return null;
          }
        }),
      ),
    pipeline: async () => {
      throw new Error('pipeline is not used by the offline plans');
    },
    phase: (name: string) => {
      phases.push(name);
    },
    log: (...values: unknown[]) => {
      logs.push(values.map(String).join(' '));
    },
    budget: { total: { tokens: 1e6, usd: 10 }, spent: () => ({ tokens: 0, usd: 0 }), remaining: () => ({ tokens: 1e6, usd: 10 }) },
    ...extraGlobals,
  };
  const body = script.replace(/^export const meta\s*=/m, 'const meta =');
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...params: string[]
  ) => (...a: unknown[]) => Promise<unknown>;
  const fn = new AsyncFunction(...Object.keys(globals), body);
  const result = await fn(...Object.values(globals));
  return { result, calls, phases, logs };
}
