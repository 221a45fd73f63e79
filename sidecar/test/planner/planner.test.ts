import type Anthropic from '@anthropic-ai/sdk';
import { PlanningError, ProviderError, RunCancelledError } from '../../src/errors/errors';
import { planScript, SUBMIT_TOOL, type PlannerDeps, type PlanRequest } from '../../src/planner/planner';
import { priceUsage } from '../../src/providers';
import { blocksOf, MODEL, reply, ScriptedProvider, text, toolUse, type Reply } from '../support/fake-provider';

const GOOD = "export const meta = { name: 'count' };\nreturn args.items.length;";
const BROKEN = 'return (';

const request = (over: Partial<PlanRequest> = {}): PlanRequest => ({
  task: 'Count the items',
  input: { items: [1, 2, 3] },
  tools: ['read_file', 'grep'],
  maxAgents: 7,
  model: MODEL,
  ...over,
});

function setup(replies: Reply[], over: Partial<PlannerDeps> = {}) {
  const provider = new ScriptedProvider(replies);
  const retries: string[] = [];
  const pushbacks: (number | undefined)[] = [];
  const deps: PlannerDeps = {
    provider,
    retry: { retries: 2, baseMs: 1, maxMs: 5 },
    hooks: { random: () => 0, onRetry: (_n, reason) => retries.push(reason), onPushback: (ms) => pushbacks.push(ms) },
    repairs: 2,
    ...over,
  };
  return { provider, deps, retries, pushbacks };
}

const submit = (input: unknown, usage = {}) => reply([toolUse(SUBMIT_TOOL, input)], usage, 'tool_use');
const signal = () => new AbortController().signal;
/** Every tool the sidecar sends has a name; the SDK's union also has nameless entries. */
const toolName = (t: object): string => (t as { name: string }).name;

/** The text of a user message, whatever its shape. */
function said(m: Anthropic.MessageParam): string {
  return blocksOf(m)
    .map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? String(b.content) : ''))
    .join('\n');
}

describe('planScript', () => {
  it('returns the checked script, its summary and the priced usage of one forced tool call', async () => {
    const { provider, deps } = setup([submit({ script: GOOD, summary: 'Counts them.' }, { input: 1000, output: 200 })]);
    const out = await planScript(request(), deps, signal());
    expect(out.script.source).toBe(GOOD);
    expect(out.script.meta).toEqual({ name: 'count' });
    expect(out.summary).toBe('Counts them.');
    expect(out.usage).toEqual(priceUsage(MODEL, { input_tokens: 1000, output_tokens: 200 }));
    expect(out.usage.usd).toBeGreaterThan(0);

    expect(provider.requests).toHaveLength(1);
    const [params] = provider.requests;
    expect(params.model).toBe(MODEL);
    expect(params.tool_choice).toEqual({ type: 'tool', name: SUBMIT_TOOL });
    expect(params.tools?.map(toolName)).toEqual([SUBMIT_TOOL]);
    const system = params.system as Anthropic.TextBlockParam[];
    expect(system[system.length - 1].cache_control).toEqual({ type: 'ephemeral' });
    const user = said(params.messages[0]);
    expect(user).toContain('Task:\nCount the items');
    expect(user).toContain('"items"');
    expect(user).toContain('read_file, grep');
    expect(user).toContain('At most 7 agents');
  });

  it('a missing summary is null, and a run without tools says so', async () => {
    const { provider, deps } = setup([submit({ script: GOOD })]);
    const out = await planScript(request({ tools: [], input: undefined }), deps, signal());
    expect(out.summary).toBeNull();
    const user = said(provider.requests[0].messages[0]);
    expect(user).toContain('subagents: none.');
    expect(user).toContain('args):\nnull');
  });

  it('lists the saved workflows the script may call, bounded, and says nothing of them when there are none', async () => {
    const { provider, deps } = setup([submit({ script: GOOD }), submit({ script: GOOD })]);
    const many = Array.from({ length: 60 }, (_, i) => ({
      name: `wf-${i}`,
      description: i === 0 ? 'd'.repeat(1_000) : null,
      whenToUse: null,
    }));
    await planScript(
      request({ savedWorkflows: [{ name: 'review-files', description: 'Reviews files', whenToUse: 'A list of files' }, ...many] }),
      deps,
      signal(),
    );
    const user = said(provider.requests[0].messages[0]);
    expect(user).toContain('call with `await workflow(name, args)`');
    expect(user).toContain('- "review-files": Reviews files; when to use: A list of files');
    expect(user).toContain(`- "wf-0": ${'d'.repeat(300)}…\n`);
    expect(user).toContain('- "wf-48"\n… and 11 more');
    expect(user).not.toContain('"wf-49"');
    await planScript(request({}), deps, signal());
    expect(said(provider.requests[1].messages[0])).not.toContain('workflow(');
  });

  it('shows the planner a bounded preview of a large input', async () => {
    const { provider, deps } = setup([submit({ script: GOOD })]);
    await planScript(request({ input: { blob: 'x'.repeat(50_000) } }), deps, signal());
    const user = said(provider.requests[0].messages[0]);
    expect(user).toContain('(truncated; the script gets the whole input as args)');
    expect(user.length).toBeLessThan(21_000);
  });

  it('sends a script that fails the check back with the error, and returns the repaired one with usage summed', async () => {
    const { provider, deps } = setup([
      submit({ script: BROKEN }, { input: 10, output: 1 }),
      submit({ script: GOOD }, { input: 20, output: 2 }),
    ]);
    const out = await planScript(request(), deps, signal());
    expect(out.script.source).toBe(GOOD);
    expect(out.usage.inputTokens).toBe(30);
    expect(out.usage.outputTokens).toBe(3);
    expect(out.usage.usd).toBeCloseTo(priceUsage(MODEL, { input_tokens: 30, output_tokens: 3 }).usd, 9);

    const second = provider.requests[1].messages;
    expect(second).toHaveLength(3);
    expect(second[1].role).toBe('assistant');
    const use = blocksOf(second[1]).find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlockParam;
    expect(use.input).toEqual({ script: BROKEN });
    const result = blocksOf(second[2])[0] as Anthropic.ToolResultBlockParam;
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: use.id, is_error: true });
    expect(String(result.content)).toMatch(/^The script failed the check: .+\nFix it and submit the whole script again\.$/s);
  });

  it.each([
    ['an empty script', { script: '   ' }],
    ['a script that is not a string', { script: 42 }],
    ['no input at all', null],
  ])('treats %s as a failed check', async (_what, input) => {
    const { provider, deps } = setup([submit(input), submit({ script: GOOD })]);
    await expect(planScript(request(), deps, signal())).resolves.toMatchObject({ script: { source: GOOD } });
    expect(said(provider.requests[1].messages[2])).toContain('`script` must be a non-empty string');
  });

  it('reminds a model that answered in prose to use the tool, keeping its text', async () => {
    const { provider, deps } = setup([reply([text('Here is my plan: count.')]), submit({ script: GOOD })]);
    const out = await planScript(request(), deps, signal());
    expect(out.script.source).toBe(GOOD);
    const msgs = provider.requests[1].messages;
    expect(blocksOf(msgs[1])).toEqual([{ type: 'text', text: 'Here is my plan: count.' }]);
    expect(said(msgs[2])).toBe(`Submit the script with the ${SUBMIT_TOOL} tool.`);
  });

  // An empty reply was once replayed as an empty assistant turn, which the Messages API refuses (400).
  it('never sends an assistant message with empty content (a reply with nothing usable)', async () => {
    const { provider, deps } = setup([reply([toolUse('some_other_tool', {})], {}, 'tool_use'), submit({ script: GOOD })]);
    await planScript(request(), deps, signal());
    for (const m of provider.requests[1].messages) expect(blocksOf(m).length).toBeGreaterThan(0);
  });

  it('gives up after 1 + repairs attempts with planning_failed, the last error and everything spent', async () => {
    const { provider, deps } = setup([
      submit({ script: BROKEN }, { input: 10 }),
      reply([text('no')], { input: 10 }),
      submit({ script: '' }, { input: 10 }),
      submit({ script: GOOD }),
    ]);
    const err = await planScript(request(), deps, signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanningError);
    expect((err as PlanningError).code).toBe('planning_failed');
    expect((err as PlanningError).message).toBe(
      'The planner could not produce a valid script after 3 attempts: `script` must be a non-empty string',
    );
    expect((err as PlanningError & { usage: { inputTokens: number } }).usage.inputTokens).toBe(30);
    expect(provider.requests).toHaveLength(3);
    expect(provider.left).toBe(1);
  });

  it('with no repairs allowed, one bad script fails at once', async () => {
    const { provider, deps } = setup([submit({ script: BROKEN }), submit({ script: GOOD })], { repairs: 0 });
    await expect(planScript(request(), deps, signal())).rejects.toThrow(/after 1 attempts: /);
    expect(provider.requests).toHaveLength(1);
  });

  it('the last error names a prose reply when the model never called the tool', async () => {
    const { deps } = setup([reply([text('a')]), reply([text('b')])], { repairs: 1 });
    await expect(planScript(request(), deps, signal())).rejects.toThrow(`after 2 attempts: the model did not call ${SUBMIT_TOOL}`);
  });

  it('retries a rate-limited call (telling the run to slow down) without spending a repair', async () => {
    const { provider, deps, retries, pushbacks } = setup(
      [new ProviderError('rate_limited', 'slow down', { httpStatus: 429, retryAfterMs: 1 }), submit({ script: GOOD })],
      { repairs: 0 },
    );
    await expect(planScript(request(), deps, signal())).resolves.toMatchObject({ script: { source: GOOD } });
    expect(provider.requests).toHaveLength(2);
    expect(retries).toEqual(['rate_limited (429)']);
    expect(pushbacks).toEqual([1]);
  });

  it('a non-retryable provider error ends planning with its own code', async () => {
    const { provider, deps } = setup([
      new ProviderError('bad_request', 'prompt is too long', { httpStatus: 400 }),
      submit({ script: GOOD }),
    ]);
    await expect(planScript(request(), deps, signal())).rejects.toMatchObject({ code: 'model_bad_request', message: 'prompt is too long' });
    expect(provider.requests).toHaveLength(1);
  });

  it('a cancelled run makes no call, and a cancel while waiting to retry stops the retry', async () => {
    const ac = new AbortController();
    ac.abort(new RunCancelledError('stop'));
    const first = setup([submit({ script: GOOD })]);
    await expect(planScript(request(), first.deps, ac.signal)).rejects.toMatchObject({ code: 'cancelled', message: 'stop' });
    expect(first.provider.requests).toHaveLength(0);

    const waiting = new AbortController();
    const second = setup([new ProviderError('overloaded', 'busy', { httpStatus: 529, retryAfterMs: 60_000 }), submit({ script: GOOD })], {
      retry: { retries: 3, baseMs: 1, maxMs: 60_000 },
    });
    const hooks = { ...second.deps.hooks, onRetry: () => waiting.abort() };
    await expect(planScript(request(), { ...second.deps, hooks }, waiting.signal)).rejects.toMatchObject({ code: 'cancelled' });
    expect(second.provider.requests).toHaveLength(1);
  });
});
