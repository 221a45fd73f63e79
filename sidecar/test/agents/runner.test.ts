import type Anthropic from '@anthropic-ai/sdk';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrefixWarmup } from '../../src/agents/prefix-warmup';
import { AgentFailure, runAgent, type AgentDeps, type AgentTask } from '../../src/agents/runner';
import { STRUCTURED_OUTPUT_TOOL } from '../../src/agents/structured-output';
import { SUBAGENT_SYSTEM } from '../../src/agents/system-prompt';
import { addUsage, emptyUsage, type Usage } from '../../src/core/types';
import { ProviderError, RunCancelledError } from '../../src/errors/errors';
import { priceUsage } from '../../src/providers';
import type { Message, MessageParams, ModelProvider } from '../../src/providers/types';
import { blocksOf, MODEL, reply, ScriptedProvider, text, toolUse, type Reply } from '../support/fake-provider';

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
  workspace = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-runner-')));
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'the answer is 42\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

function setup(replies: Reply[], over: Partial<AgentDeps> = {}) {
  const provider = new ScriptedProvider(replies);
  const usages: Usage[] = [];
  const deps: AgentDeps = {
    provider,
    toolContext: { workspaceDir: workspace, allowWrite: false, allowedHosts: [] },
    retry: { retries: 2, baseMs: 1, maxMs: 5 },
    hooks: { random: () => 0 },
    onUsage: (u) => usages.push(u),
    ...over,
  };
  return { provider, deps, usages };
}

const signal = () => new AbortController().signal;
/** Every tool the sidecar sends has a name; the SDK's union also has nameless entries. */
const toolName = (t: object): string => (t as { name: string }).name;
const answer = (input: unknown, usage = {}) => reply([toolUse(STRUCTURED_OUTPUT_TOOL, input)], usage, 'tool_use');
const priced = (...calls: { input_tokens: number; output_tokens: number }[]): Usage => {
  const u = emptyUsage();
  for (const c of calls) addUsage(u, priceUsage(MODEL, c));
  return u;
};

async function failure(p: Promise<unknown>): Promise<AgentFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgentFailure);
  return err as AgentFailure;
}

/** The tool_result blocks of the last user message of a request. */
function results(params: MessageParams): Anthropic.ToolResultBlockParam[] {
  const last = params.messages[params.messages.length - 1];
  return blocksOf(last).filter((b): b is Anthropic.ToolResultBlockParam => b.type === 'tool_result');
}

describe('runAgent', () => {
  it('a plain agent answers with its text, and its usage is priced and reported as it happens', async () => {
    const { provider, deps, usages } = setup([reply([text('forty'), text('-two')], { input: 300, output: 20 })]);
    const out = await runAgent(task(), deps, signal());
    expect(out.value).toBe('forty-two');
    expect(out.usage).toEqual(priced({ input_tokens: 300, output_tokens: 20 }));
    expect(usages).toEqual([out.usage]);

    const [params] = provider.requests;
    expect(params.model).toBe(MODEL);
    expect(params.max_tokens).toBe(4096);
    expect(params.tools).toBeUndefined();
    expect(params.tool_choice).toBeUndefined();
    expect(params.system).toEqual([{ type: 'text', text: SUBAGENT_SYSTEM, cache_control: { type: 'ephemeral' } }]);
    expect(params.messages).toEqual([{ role: 'user', content: 'Do the thing' }]);
  });

  it("the script's system text follows the fixed head and carries the cache breakpoint; maxTokens is passed on", async () => {
    const { provider, deps } = setup([reply([text('ok')])]);
    await runAgent(task({ system: 'You audit code.', maxTokens: 123 }), deps, signal());
    const [params] = provider.requests;
    expect(params.max_tokens).toBe(123);
    expect(params.system).toEqual([
      { type: 'text', text: SUBAGENT_SYSTEM },
      { type: 'text', text: 'You audit code.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('runs the tools it calls on the workspace and loops until the answer, summing usage over turns', async () => {
    const { provider, deps, usages } = setup([
      reply([text('Let me look.'), toolUse('read_file', { path: 'notes.txt' }, 'use-1')], { input: 100, output: 10 }, 'tool_use'),
      reply([text('It is 42.')], { input: 200, output: 5 }),
    ]);
    const out = await runAgent(task({ tools: ['read_file'] }), deps, signal());
    expect(out.value).toBe('It is 42.');
    expect(out.usage).toEqual(priced({ input_tokens: 100, output_tokens: 10 }, { input_tokens: 200, output_tokens: 5 }));
    expect(usages).toHaveLength(2);

    expect(provider.requests[0].tools?.map(toolName)).toEqual(['read_file']);
    const second = provider.requests[1];
    expect(second.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(blocksOf(second.messages[1])).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'use-1', name: 'read_file', input: { path: 'notes.txt' } },
    ]);
    const [result] = results(second);
    expect(result.tool_use_id).toBe('use-1');
    expect(result.is_error).toBeUndefined();
    expect(String(result.content)).toContain('the answer is 42');
  });

  it('a tool the agent was not given is refused to the model, not run', async () => {
    const { provider, deps } = setup([
      reply([toolUse('write_file', { path: 'pwned.txt', content: 'x' }, 'w')], {}, 'tool_use'),
      reply([text('done')]),
    ]);
    const out = await runAgent(task({ tools: ['read_file'] }), deps, signal());
    expect(out.value).toBe('done');
    expect(results(provider.requests[1])).toEqual([
      { type: 'tool_result', tool_use_id: 'w', is_error: true, content: 'Tool write_file is not available to this agent' },
    ]);
    expect(fs.existsSync(path.join(workspace, 'pwned.txt'))).toBe(false);
  });

  it('a tool that fails goes back to the model as an error result with its code, and the agent carries on', async () => {
    const { provider, deps } = setup([
      reply(
        [
          toolUse('read_file', { path: '../../etc/passwd' }, 'a'),
          toolUse('read_file', { path: 'missing.txt' }, 'b'),
          toolUse('read_file', {}, 'c'),
        ],
        {},
        'tool_use',
      ),
      reply([text('gave up politely')]),
    ]);
    const out = await runAgent(task({ tools: ['read_file'] }), deps, signal());
    expect(out.value).toBe('gave up politely');
    const res = results(provider.requests[1]);
    expect(res.map((r) => r.tool_use_id)).toEqual(['a', 'b', 'c']);
    for (const r of res) expect(r.is_error).toBe(true);
    expect(String(res[0].content)).toMatch(/^workspace_denied: /);
    expect(String(res[1].content)).toMatch(/^[a-z_]+: /);
    expect(String(res[2].content)).toMatch(/^invalid_request: /);
  });

  it('a schema agent answers through StructuredOutput, forced when it is the only tool', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const { provider, deps } = setup([answer({ n: 42 })]);
    const out = await runAgent(task({ schema }), deps, signal());
    expect(out.value).toEqual({ n: 42 });
    const [params] = provider.requests;
    expect(params.tools).toEqual([expect.objectContaining({ name: STRUCTURED_OUTPUT_TOOL, input_schema: schema })]);
    expect(params.tool_choice).toEqual({ type: 'tool', name: STRUCTURED_OUTPUT_TOOL });
  });

  it('with other tools a schema agent must call some tool (tool_choice any), and may use them first', async () => {
    const { provider, deps } = setup([reply([toolUse('read_file', { path: 'notes.txt' })], {}, 'tool_use'), answer({ value: 42 })]);
    const out = await runAgent(task({ schema: { type: 'integer' }, tools: ['read_file'] }), deps, signal());
    // A schema that is not an object is wrapped as {value} for the tool and unwrapped in the answer.
    expect(out.value).toBe(42);
    expect(provider.requests[0].tool_choice).toEqual({ type: 'any' });
    expect(provider.requests[0].tools?.map(toolName)).toEqual(['read_file', STRUCTURED_OUTPUT_TOOL]);
  });

  it('an answer that does not match the schema goes back with the validation errors, then the corrected one counts', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'], additionalProperties: false };
    const { provider, deps } = setup([answer({ n: 'many' }, { input: 10 }), answer({ n: 3 }, { input: 10 })]);
    const out = await runAgent(task({ schema }), deps, signal());
    expect(out.value).toEqual({ n: 3 });
    expect(out.usage.inputTokens).toBe(20);
    const [res] = results(provider.requests[1]);
    expect(res.is_error).toBe(true);
    expect(String(res.content)).toMatch(/^Input does not match the schema: input\/n must be number/);
  });

  it('schema retries exhausted: the third bad answer fails with schema_invalid, carrying the usage of every turn', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const { provider, deps } = setup([
      answer({}, { input: 10 }),
      answer({ n: 'x' }, { input: 10 }),
      answer({ n: null }, { input: 10 }),
      answer({ n: 1 }),
    ]);
    const err = await failure(runAgent(task({ schema }), deps, signal()));
    expect(err.code).toBe('schema_invalid');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^StructuredOutput did not match the schema after 2 retries: /);
    expect(err.usage.inputTokens).toBe(30);
    expect(provider.requests).toHaveLength(3);
  });

  it('a schema agent that keeps answering in prose is reminded twice, then fails with schema_invalid', async () => {
    const { provider, deps } = setup([reply([text('42')]), reply([text('I said 42')]), reply([text('42!')]), answer({ value: 42 })]);
    const err = await failure(runAgent(task({ schema: { type: 'number' } }), deps, signal()));
    expect(err.code).toBe('schema_invalid');
    expect(err.message).toBe(`Agent did not answer through ${STRUCTURED_OUTPUT_TOOL} after 2 reminders`);
    expect(blocksOf(provider.requests[1].messages[2])).toEqual([
      { type: 'text', text: `Answer by calling the ${STRUCTURED_OUTPUT_TOOL} tool with input matching its schema.` },
    ]);
    expect(provider.requests).toHaveLength(3);
  });

  it('prose and bad answers share one allowance of schema retries', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const { provider, deps } = setup([reply([text('hmm')]), answer({}), reply([text('hmm again')]), answer({ n: 1 })]);
    await expect(failure(runAgent(task({ schema }), deps, signal()))).resolves.toMatchObject({ code: 'schema_invalid' });
    expect(provider.requests).toHaveLength(3);
  });

  it('an agent that never answers stops at maxTurns with max_turns and what it spent', async () => {
    const loop = (): Message => reply([toolUse('read_file', { path: 'notes.txt' })], { input: 7, output: 1 }, 'tool_use');
    const { provider, deps, usages } = setup(Array.from({ length: 10 }, () => loop));
    const err = await failure(runAgent(task({ tools: ['read_file'], maxTurns: 3 }), deps, signal()));
    expect(err.code).toBe('max_turns');
    expect(err.message).toBe('Agent reached maxTurns (3) without a final answer');
    expect(err.usage.inputTokens).toBe(21);
    expect(usages).toHaveLength(3);
    expect(provider.requests).toHaveLength(3);
  });

  it('a provider error that is not retried fails the agent with its code and the usage so far', async () => {
    const { deps } = setup([
      reply([toolUse('read_file', { path: 'notes.txt' })], { input: 50 }, 'tool_use'),
      new ProviderError('bad_request', 'prompt is too long', { httpStatus: 400 }),
    ]);
    const err = await failure(runAgent(task({ tools: ['read_file'] }), deps, signal()));
    expect(err.code).toBe('model_bad_request');
    expect(err.message).toBe('prompt is too long');
    expect(err.cause).toBeInstanceOf(ProviderError);
    expect(err.usage.inputTokens).toBe(50);
  });

  it('overload is retried inside the turn: the agent still answers, and the hooks hear of it', async () => {
    const pushbacks: (number | undefined)[] = [];
    const successes: number[] = [];
    const { provider, deps } = setup([new ProviderError('overloaded', 'busy', { httpStatus: 529 }), reply([text('fine')])], {
      hooks: { random: () => 0, onPushback: (ms) => pushbacks.push(ms), onSuccess: () => successes.push(1) },
    });
    await expect(runAgent(task(), deps, signal())).resolves.toMatchObject({ value: 'fine' });
    expect(provider.requests).toHaveLength(2);
    expect(pushbacks).toEqual([undefined]);
    expect(successes).toEqual([1]);
  });

  it('a cancelled run fails the agent with cancelled before any call', async () => {
    const ac = new AbortController();
    ac.abort(new RunCancelledError());
    const { provider, deps } = setup([reply([text('never')])]);
    const err = await failure(runAgent(task(), deps, ac.signal));
    expect(err.code).toBe('cancelled');
    expect(provider.requests).toHaveLength(0);
    expect(err.usage).toEqual(emptyUsage());
  });

  it('an invalid schema or an unknown tool name fails before any call, with its code', async () => {
    const bad = setup([reply([text('never')])]);
    await expect(
      failure(runAgent(task({ schema: { type: 'object', properties: { a: { type: 'no-such-type' } } } }), bad.deps, signal())),
    ).resolves.toMatchObject({ code: 'invalid_request' });
    await expect(failure(runAgent(task({ tools: ['rm_rf'] }), bad.deps, signal()))).resolves.toMatchObject({ code: 'tool_not_allowed' });
    expect(bad.provider.requests).toHaveLength(0);
  });

  // An empty reply was once replayed as an empty assistant turn, which the Messages API refuses (400).
  it('never sends an assistant message with empty content', async () => {
    const { provider, deps } = setup([reply([]), answer({ value: 1 })]);
    await runAgent(task({ schema: { type: 'number' } }), deps, signal());
    for (const m of provider.requests[1].messages) expect(blocksOf(m).length).toBeGreaterThan(0);
  });

  it('agents sharing a long prefix wait for the first one to write the cache, then call together', async () => {
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => {
      releaseFirst = r;
    });
    let calls = 0;
    const provider: ModelProvider = {
      name: 'offline',
      defaultModel: MODEL,
      async createMessage(params) {
        const n = ++calls;
        const who = String((params.messages[0] as { content: string }).content);
        order.push(`start ${who}`);
        if (n === 1) await firstHeld;
        order.push(`end ${who}`);
        return reply([text(who)]);
      },
    };
    const warmup = new PrefixWarmup();
    const deps: AgentDeps = {
      provider,
      warmup,
      toolContext: { workspaceDir: null, allowWrite: false, allowedHosts: [] },
      retry: { retries: 0, baseMs: 1, maxMs: 1 },
      hooks: {},
    };
    const long = task({ system: 'Shared context. '.repeat(400) });
    const a = runAgent({ ...long, prompt: 'A' }, deps, signal());
    const b = runAgent({ ...long, prompt: 'B' }, deps, signal());
    await waitFor(() => order.length === 1);
    // B must not start while A (the first with this prefix) is in flight.
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['start A']);
    releaseFirst();
    await expect(Promise.all([a, b])).resolves.toEqual([expect.objectContaining({ value: 'A' }), expect.objectContaining({ value: 'B' })]);
    expect(order).toEqual(['start A', 'end A', 'start B', 'end B']);

    // A short prefix is not worth warming: those agents do not wait for each other.
    order.length = 0;
    calls = 0;
    let releaseShort!: () => void;
    const shortHeld = new Promise<void>((r) => {
      releaseShort = r;
    });
    const held: ModelProvider = {
      ...provider,
      async createMessage(params) {
        const who = String((params.messages[0] as { content: string }).content);
        order.push(`start ${who}`);
        if (who === 'C') await shortHeld;
        return reply([text(who)]);
      },
    };
    const c = runAgent(task({ prompt: 'C' }), { ...deps, provider: held }, signal());
    const d = runAgent(task({ prompt: 'D' }), { ...deps, provider: held }, signal());
    await waitFor(() => order.length === 2);
    releaseShort();
    await Promise.all([c, d]);
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
