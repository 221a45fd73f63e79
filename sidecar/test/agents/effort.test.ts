import type Anthropic from '@anthropic-ai/sdk';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EFFORT_THINKING_BUDGETS, runAgent, thinkingBudget, type AgentDeps, type AgentTask } from '../../src/agents/runner';
import { STRUCTURED_OUTPUT_TOOL } from '../../src/agents/structured-output';
import { SUBAGENT_SYSTEM } from '../../src/agents/system-prompt';
import { AGENT_EFFORTS } from '../../src/core/names';
import { createOfflineModelServer } from '../../src/offline';
import { createProvider } from '../../src/providers';
import type { MessageParams } from '../../src/providers/types';
import { blocksOf, MODEL, reply, ScriptedProvider, text, toolUse } from '../support/fake-provider';

// What the runner sends for Claude Code's `effort`: an extended-thinking budget, never with a
// forced tool choice, and the thinking blocks carried back through the tool loop.

const task = (over: Partial<AgentTask> = {}): AgentTask => ({
  prompt: 'Do the thing',
  system: null,
  schema: null,
  tools: [],
  model: MODEL,
  maxTurns: 5,
  ...over,
});

let workspace: string;
beforeAll(() => {
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-effort-')));
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'the answer is 42\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

function deps(provider: AgentDeps['provider']): AgentDeps {
  return {
    provider,
    toolContext: { workspaceDir: workspace, allowWrite: false, allowedHosts: [] },
    retry: { retries: 0, baseMs: 1, maxMs: 5 },
    hooks: { random: () => 0 },
  };
}

const signal = () => new AbortController().signal;
const thinking = (t: string, signature: string): Anthropic.ContentBlock =>
  ({ type: 'thinking', thinking: t, signature }) as Anthropic.ContentBlock;
const redacted = (data: string): Anthropic.ContentBlock => ({ type: 'redacted_thinking', data }) as Anthropic.ContentBlock;

async function sent(t: AgentTask): Promise<MessageParams> {
  const provider = new ScriptedProvider([reply([text('ok')])]);
  await runAgent(t, deps(provider), signal());
  return provider.requests[0];
}

describe('effort', () => {
  it('maps low/medium/high/max to thinking budgets of 1024/4096/16000/32000 tokens', () => {
    expect(EFFORT_THINKING_BUDGETS).toEqual({ low: 1024, medium: 4096, high: 16_000, max: 32_000 });
    expect(Object.keys(EFFORT_THINKING_BUDGETS).sort()).toEqual([...AGENT_EFFORTS].sort());
  });

  it.each(AGENT_EFFORTS.map((e) => [e]))(
    'effort %s: thinking is enabled with its budget, and max_tokens leaves the answer its own 4096',
    async (effort) => {
      const params = await sent(task({ effort }));
      const budget = EFFORT_THINKING_BUDGETS[effort];
      expect(params.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
      expect(params.max_tokens).toBe(budget + 4096);
      expect(params.max_tokens).toBeGreaterThan(budget);
      expect(params.tool_choice).toBeUndefined();
    },
  );

  it("max_tokens is the task's allowance plus the budget", async () => {
    const params = await sent(task({ effort: 'low', maxTokens: 500 }));
    expect(params).toMatchObject({ max_tokens: 1524, thinking: { type: 'enabled', budget_tokens: 1024 } });
  });

  it('no effort (or null): no thinking, max_tokens unchanged', async () => {
    for (const t of [task(), task({ effort: null })]) {
      const params = await sent(t);
      expect(params.thinking).toBeUndefined();
      expect(params.max_tokens).toBe(4096);
    }
  });

  it('a schema agent forces its tool, which thinking does not allow: its effort is not sent', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    for (const tools of [[], ['read_file']]) {
      const provider = new ScriptedProvider([reply([toolUse(STRUCTURED_OUTPUT_TOOL, { n: 1 })], {}, 'tool_use')]);
      const out = await runAgent(task({ schema, tools, effort: 'max' }), deps(provider), signal());
      expect(out.value).toEqual({ n: 1 });
      const [params] = provider.requests;
      expect(params.tool_choice?.type).toMatch(/^(tool|any)$/);
      expect(params.thinking).toBeUndefined();
      expect(params.max_tokens).toBe(4096);
    }
    expect(thinkingBudget({ effort: 'high', schema })).toBeNull();
    expect(thinkingBudget({ effort: 'high', schema: null })).toBe(16_000);
  });

  it('thinking blocks go back unchanged, with their signatures and before the tool calls, on every turn of the tool loop', async () => {
    const provider = new ScriptedProvider([
      reply([thinking('I should read the notes.', 'sig-1'), toolUse('read_file', { path: 'notes.txt' }, 'use-1')], {}, 'tool_use'),
      reply(
        [redacted('opaque'), thinking('Now grep.', 'sig-2'), text('Checking.'), toolUse('grep', { pattern: 'answer' }, 'use-2')],
        {},
        'tool_use',
      ),
      reply([thinking('Done.', 'sig-3'), text('It is 42.')]),
    ]);
    const out = await runAgent(task({ tools: ['read_file', 'grep'], effort: 'medium' }), deps(provider), signal());
    expect(out.value).toBe('It is 42.');
    expect(provider.requests).toHaveLength(3);
    for (const p of provider.requests) expect(p.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    const last = provider.requests[2];
    expect(last.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(blocksOf(last.messages[1])).toEqual([
      { type: 'thinking', thinking: 'I should read the notes.', signature: 'sig-1' },
      { type: 'tool_use', id: 'use-1', name: 'read_file', input: { path: 'notes.txt' } },
    ]);
    expect(blocksOf(last.messages[3])).toEqual([
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'Now grep.', signature: 'sig-2' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'use-2', name: 'grep', input: { pattern: 'answer' } },
    ]);
  });

  it('a reply of thinking alone is not replayed as an assistant turn (it would answer nothing)', async () => {
    const provider = new ScriptedProvider([reply([thinking('hmm', 'sig')])]);
    const out = await runAgent(task({ effort: 'low' }), deps(provider), signal());
    expect(out.value).toBe('');
  });

  it("an agent type's system prompt is a block of its own between the sidecar's and the script's", async () => {
    const params = await sent(task({ typeSystem: 'You review code.', system: 'Repo: x.' }));
    expect(params.system).toEqual([
      { type: 'text', text: SUBAGENT_SYSTEM },
      { type: 'text', text: 'You review code.' },
      { type: 'text', text: 'Repo: x.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('the offline model accepts thinking and still answers, with and without tools', async () => {
    const server = createOfflineModelServer();
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      const provider = createProvider('offline', {}, { baseURL: url });
      const plain = await runAgent(
        task({ model: 'offline-claude-sonnet', effort: 'max', prompt: 'Summarise the plan' }),
        deps(provider),
        signal(),
      );
      expect(typeof plain.value).toBe('string');
      expect(String(plain.value).length).toBeGreaterThan(0);
      const withTools = await runAgent(
        task({ model: 'offline-claude-sonnet', effort: 'high', tools: ['read_file'], prompt: 'Read notes.txt and say what it says' }),
        deps(provider),
        signal(),
      );
      expect(typeof withTools.value).toBe('string');
    } finally {
      await server.close();
    }
  });
});
