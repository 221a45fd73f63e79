import Anthropic from '@anthropic-ai/sdk';
import { parse } from 'acorn';
import { createOfflineModelServer } from '../../src/offline';
import { MODEL, plannerParams, READ_FILE, startOffline, textOf, toolUses, type Running } from './helpers';

const parsesAsScript = (script: string): void => {
  parse(script, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: true });
};

let off: Running;
beforeAll(async () => {
  off = await startOffline();
});
afterAll(async () => {
  await off.server.close();
});
beforeEach(() => off.server.reset({ knobs: true }));

async function plan(
  params: Anthropic.MessageCreateParamsNonStreaming,
): Promise<{ script: string; summary: string; msg: Anthropic.Message }> {
  const msg = await off.client.messages.create(params);
  const [use] = toolUses(msg);
  expect(use.name).toBe('submit_workflow_script');
  const input = use.input as { script: string; summary: string };
  return { ...input, msg };
}

describe('planner calls', () => {
  test('the planner gets a script through the forced submit tool, chosen from the task only', async () => {
    const { script, summary, msg } = await plan(plannerParams('Audit the payment code for security bugs', { files: ['pay.ts'] }));
    expect(msg.stop_reason).toBe('tool_use');
    expect(script).toContain("name: 'audit-files'");
    expect(summary).toMatch(/verify/);
    parsesAsScript(script);
    // The planner's own wording ("Tools … read_file, grep") must not turn a generic task into an audit.
    expect((await plan(plannerParams('Plan a launch party'))).script).toContain("name: 'explore-critique-synthesise'");
    expect(off.server.stats().byKind).toEqual({ plan: 2 });
  });

  test('a failed check sent back as a tool_result gets a simpler, valid repair script', async () => {
    const params = plannerParams('Plan a launch party [offline:plan=syntax]');
    const broken = await plan(params);
    expect(() => parsesAsScript(broken.script)).toThrow();
    const [use] = toolUses(broken.msg);
    const repaired = await plan({
      ...params,
      messages: [
        ...params.messages,
        { role: 'assistant', content: [{ type: 'tool_use', id: use.id, name: use.name, input: use.input }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: use.id, is_error: true, content: 'The script failed the check: Unexpected token (2:40)' },
          ],
        },
      ],
    });
    parsesAsScript(repaired.script);
    expect(repaired.script).toContain("name: 'single-agent'");
    expect(repaired.script).toContain('Plan a launch party');
    expect(repaired.script).not.toContain('[offline:');
  });

  test('a user message quoting a failed ```js attempt with its error is a repair request', async () => {
    const params = plannerParams('Fan out 3 agents');
    const content = `Task:\nFan out 3 agents\n\nThe previous attempt failed with this error: ReferenceError: x is not defined\n\`\`\`js\nreturn x;\n\`\`\``;
    const { script } = await plan({ ...params, messages: [{ role: 'user', content }] });
    expect(script).toContain("name: 'single-agent'");
  });
});

describe('determinism', () => {
  test('the same request gets the same content and usage; only the id differs', async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Name a colour' }],
    };
    const a = await off.client.messages.create(params);
    const b = await off.client.messages.create(params);
    expect(b.content).toEqual(a.content);
    expect(b.usage).toEqual(a.usage);
    expect(b.id).not.toBe(a.id);
    expect(a.id).toMatch(/^msg_offline_[0-9a-f]{16}_\d+$/);
    const other = await off.client.messages.create({ ...params, messages: [{ role: 'user', content: 'Name a shape' }] });
    expect(textOf(other)).not.toBe(textOf(a));
  });

  test('a planner answer is stable across servers', async () => {
    const again = await startOffline();
    try {
      const params = plannerParams('Research quantum dots', { question: 'What are quantum dots?' });
      const a = await off.client.messages.create(params);
      const b = await again.client.messages.create(params);
      expect(b.content).toEqual(a.content);
    } finally {
      await again.server.close();
    }
  });
});

describe('the rest of the API', () => {
  test('a streamed answer rebuilds the same message as a plain call, text and tool_use alike', async () => {
    const text: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Explain streaming briefly' }],
    };
    const streamed = await off.client.messages.stream(text).finalMessage();
    const plain = await off.client.messages.create(text);
    expect(streamed.content).toEqual(plain.content);
    expect(streamed.usage.output_tokens).toBe(plain.usage.output_tokens);
    const tool: Anthropic.MessageCreateParamsNonStreaming = {
      ...text,
      messages: [{ role: 'user', content: 'Read docs/guide.md' }],
      tools: [READ_FILE],
    };
    const streamedTool = await off.client.messages.stream(tool).finalMessage();
    expect(streamedTool.content).toEqual((await off.client.messages.create(tool)).content);
    expect(streamedTool.stop_reason).toBe('tool_use');
  });

  test('count_tokens estimates what usage reports for an uncached call', async () => {
    const body = {
      model: MODEL,
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content: 'How many tokens is this?' }],
      tools: [READ_FILE],
    };
    const counted = await off.client.messages.countTokens(body);
    const msg = await off.client.messages.create({ ...body, max_tokens: 50, tool_choice: { type: 'none' } });
    expect(counted.input_tokens).toBeGreaterThan(10);
    expect(msg.usage.input_tokens).toBe(counted.input_tokens);
    expect(off.server.stats()).toMatchObject({ countTokensRequests: 1, requests: 1 });
  });

  test('models are listed and looked up', async () => {
    const ids: string[] = [];
    for await (const m of off.client.models.list()) ids.push(m.id);
    expect(ids).toContain(MODEL);
    expect((await off.client.models.retrieve('any-model')).id).toBe('any-model');
  });

  test('a bad body answers 400 in the Anthropic error shape and is counted', async () => {
    const res = await fetch(`${off.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('JSON') },
      request_id: expect.stringMatching(/^req_offline_/),
    });
    const missing = { model: MODEL, messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    await expect(off.client.messages.create(missing)).rejects.toThrow('max_tokens');
    await expect(off.client.messages.create({ model: MODEL, max_tokens: 5, messages: [] })).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
    await expect(
      off.client.messages.create({
        model: MODEL,
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
        tool_choice: { type: 'tool', name: 'nope' },
        tools: [READ_FILE],
      }),
    ).rejects.toThrow('nope');
    expect(off.server.stats()).toMatchObject({ requests: 4, invalid: 4, ok: 0 });
  });

  test('control routes set knobs, report stats and reset over HTTP', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${off.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const knobs = await (await post('/_offline/knobs', { rateLimitEvery: 1, retryAfterSec: 0.5 })).json();
    expect(knobs).toMatchObject({ rateLimitEvery: 1, retryAfterSec: 0.5, latencyMs: 0 });
    await expect(
      off.client.messages.create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    expect(await (await fetch(`${off.url}/_offline/stats`)).json()).toMatchObject({ requests: 1, rateLimited: 1 });
    const bad = await post('/_offline/knobs', { latencyMs: 'slow' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('`latencyMs`');
    expect((await post('/_offline/reset', { knobs: true })).status).toBe(200);
    expect(await (await fetch(`${off.url}/_offline/knobs`)).json()).toMatchObject({ rateLimitEvery: 0 });
    expect(await (await fetch(`${off.url}/_offline/stats`)).json()).toMatchObject({ requests: 0 });
  });

  test('an unknown route answers 404 not_found_error', async () => {
    const res = await fetch(`${off.url}/v1/complete`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: 'not_found_error' } });
  });

  test('inject answers the same routes without a socket, a drop included', async () => {
    const body = JSON.stringify({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] });
    const res = await off.server.inject({ method: 'POST', path: '/v1/messages?beta=true', body });
    expect(res).toMatchObject({ kind: 'json', status: 200, body: { type: 'message', role: 'assistant' } });
    off.server.setKnobs({ dropEvery: 1 });
    expect(await off.server.inject({ method: 'POST', path: '/v1/messages', body })).toEqual({ kind: 'drop' });
  });

  test('a body over maxBodyBytes answers 413 request_too_large', async () => {
    const small = createOfflineModelServer({ maxBodyBytes: 2048 });
    const { url } = await small.listen();
    try {
      const res = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        body: JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { type: 'request_too_large' } });
    } finally {
      await small.close();
    }
    expect(() => createOfflineModelServer({ maxBodyBytes: 10 })).toThrow('`maxBodyBytes`');
  });

  test('close stops listening and can run twice', async () => {
    const s = createOfflineModelServer();
    const { url } = await s.listen();
    expect(s.url).toBe(url);
    await s.close();
    await s.close();
    expect(s.url).toBeNull();
    await expect(fetch(`${url}/_offline/stats`)).rejects.toThrow();
  });
});
