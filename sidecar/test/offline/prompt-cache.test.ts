import type Anthropic from '@anthropic-ai/sdk';
import { PromptCache, tokensForChars } from '../../src/offline';
import { parseMessagesRequest } from '../../src/offline/wire';
import { MODEL, READ_FILE, startOffline, type Running } from './helpers';

/** A system prompt of about `tokens` tokens, different per `seed`. */
const longText = (tokens: number, seed = 'shared'): string =>
  `${seed} context. `.repeat(Math.ceil((tokens * 4) / (seed.length + 10))).slice(0, tokens * 4);

function cachedSystem(text: string, ttl?: '1h'): Anthropic.TextBlockParam[] {
  return [{ type: 'text', text, cache_control: ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' } }];
}

describe('prompt caching over the SDK', () => {
  let off: Running;
  beforeAll(async () => {
    off = await startOffline();
  });
  afterAll(async () => {
    await off.server.close();
  });
  beforeEach(() => off.server.reset({ knobs: true }));

  test('a long cached system prompt is written by the first call and read by the next', async () => {
    const system = cachedSystem(longText(3000));
    const params = (q: string): Anthropic.MessageCreateParamsNonStreaming => ({
      model: MODEL,
      max_tokens: 100,
      system,
      messages: [{ role: 'user', content: q }],
    });
    const prefix = tokensForChars(system[0].text.length);

    const first = await off.client.messages.create(params('first question'));
    const counted = await off.client.messages.countTokens({
      model: MODEL,
      system,
      messages: [{ role: 'user', content: 'first question' }],
    });
    expect(first.usage.cache_creation_input_tokens).toBe(prefix);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.input_tokens).toBe(counted.input_tokens - prefix);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(prefix);

    const second = await off.client.messages.create(params('another, longer question'));
    expect(second.usage.cache_read_input_tokens).toBe(prefix);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBeLessThan(prefix / 100);
    expect(off.server.stats()).toMatchObject({ cacheWriteTokens: prefix, cacheReadTokens: prefix });
  });

  test('prefixes under minCacheTokens are neither written nor read; the knob lowers the bar', async () => {
    const system = cachedSystem(longText(500));
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 50,
      system,
      messages: [{ role: 'user', content: 'q' }],
    };
    for (let i = 0; i < 2; i++) {
      const m = await off.client.messages.create(params);
      expect([m.usage.cache_creation_input_tokens, m.usage.cache_read_input_tokens]).toEqual([0, 0]);
    }
    off.server.setKnobs({ minCacheTokens: 100 });
    expect((await off.client.messages.create(params)).usage.cache_creation_input_tokens).toBe(500);
    expect((await off.client.messages.create(params)).usage.cache_read_input_tokens).toBe(500);
  });

  test('tools come before the system prompt: changing a tool misses the cache', async () => {
    const system = cachedSystem(longText(2000));
    const base: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 50,
      system,
      tools: [READ_FILE],
      tool_choice: { type: 'none' },
      messages: [{ role: 'user', content: 'q' }],
    };
    await off.client.messages.create(base);
    expect((await off.client.messages.create(base)).usage.cache_read_input_tokens).toBeGreaterThan(2000);
    const changed = await off.client.messages.create({ ...base, tools: [{ ...READ_FILE, description: 'changed' }] });
    expect(changed.usage.cache_read_input_tokens).toBe(0);
    expect(changed.usage.cache_creation_input_tokens).toBeGreaterThan(2000);
  });

  test('another model does not share the cache', async () => {
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 50,
      system: cachedSystem(longText(2000)),
      messages: [{ role: 'user', content: 'q' }],
    };
    await off.client.messages.create(params);
    expect((await off.client.messages.create({ ...params, model: 'claude-haiku-4-5' })).usage.cache_read_input_tokens).toBe(0);
  });
});

describe('PromptCache', () => {
  const req = (body: Record<string, unknown>) => parseMessagesRequest({ model: MODEL, max_tokens: 10, ...body });
  const block = (text: string, cached = true, ttl?: '1h') => ({
    type: 'text',
    text,
    ...(cached ? { cache_control: { type: 'ephemeral', ...(ttl ? { ttl } : {}) } } : {}),
  });

  test('a later breakpoint reads the cached part and writes only what is new (a growing conversation)', () => {
    const cache = new PromptCache();
    const sys = [block(longText(1200))];
    const turn1 = [{ role: 'user', content: [block(longText(800, 'turn one'))] }];
    const a = cache.account(req({ system: sys, messages: turn1 }), 1024);
    expect(a.cacheWriteTokens).toBe(2000);
    const turn2 = [
      { role: 'user', content: [block(longText(800, 'turn one'), false)] },
      { role: 'assistant', content: [block('ok', false)] },
      { role: 'user', content: [block(longText(400, 'turn two'))] },
    ];
    const b = cache.account(req({ system: sys, messages: turn2 }), 1024);
    // The breakpoint moved on, but the previous one lies within the lookback window.
    expect(b.cacheReadTokens).toBe(2000);
    expect(b.cacheWriteTokens).toBe(b.totalTokens - 2000);
    expect(b.inputTokens).toBe(0);
  });

  test('entries expire after five minutes unless a read renews them; ttl 1h lasts longer', () => {
    let now = 0;
    const cache = new PromptCache(() => now);
    const five = req({ system: [block(longText(2000))], messages: [{ role: 'user', content: 'q' }] });
    const hour = req({ system: [block(longText(2000, 'other'), true, '1h')], messages: [{ role: 'user', content: 'q' }] });
    expect(cache.account(five, 1024).cacheWrite5mTokens).toBe(2000);
    expect(cache.account(hour, 1024).cacheWrite1hTokens).toBe(2000);
    now = 4 * 60_000;
    expect(cache.account(five, 1024).cacheReadTokens).toBe(2000);
    now = 8 * 60_000;
    expect(cache.account(five, 1024).cacheReadTokens).toBe(2000);
    now = 14 * 60_000;
    expect(cache.account(five, 1024).cacheReadTokens).toBe(0);
    expect(cache.account(hour, 1024).cacheReadTokens).toBe(2000);
  });

  test('requests that start together all pay the write until the first one has finished', () => {
    let now = 0;
    const cache = new PromptCache(() => now);
    const r = req({ system: [block(longText(2000))], messages: [{ role: 'user', content: 'q' }] });
    expect(cache.account(r, 1024, 500).cacheWriteTokens).toBe(2000);
    now = 100;
    expect(cache.account(r, 1024, 500).cacheWriteTokens).toBe(2000);
    now = 500;
    expect(cache.account(r, 1024, 500).cacheReadTokens).toBe(2000);
  });

  test('clear forgets everything', () => {
    const cache = new PromptCache();
    const r = req({ system: [block(longText(2000))], messages: [{ role: 'user', content: 'q' }] });
    cache.account(r, 1024);
    cache.clear();
    expect(cache.account(r, 1024).cacheReadTokens).toBe(0);
  });
});
