import Anthropic from '@anthropic-ai/sdk';
import { OfflineModel } from '../../src/offline';
import { MODEL, startOffline, textOf, type Running } from './helpers';

const ask = (content: string, maxTokens = 256): Anthropic.MessageCreateParamsNonStreaming => ({
  model: MODEL,
  max_tokens: maxTokens,
  messages: [{ role: 'user', content }],
});

describe('faults chosen by the knobs', () => {
  let off: Running;
  beforeEach(async () => {
    off = await startOffline();
  });
  afterEach(async () => {
    await off.server.close();
  });

  test('rateLimitEvery answers every n-th request 429 with retry-after, and the retry goes through', async () => {
    off.server.setKnobs({ rateLimitEvery: 3, retryAfterSec: 2 });
    await off.client.messages.create(ask('one'));
    await off.client.messages.create(ask('two'));
    const err = await off.client.messages.create(ask('three')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.headers.get('retry-after')).toBe('2');
    expect(e.headers.get('retry-after-ms')).toBe('2000');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    await expect(off.client.messages.create(ask('three'))).resolves.toMatchObject({ type: 'message' });
    expect(off.server.stats()).toMatchObject({ requests: 4, ok: 3, rateLimited: 1 });
  });

  test('overloadEvery answers 529 overloaded_error', async () => {
    off.server.setKnobs({ overloadEvery: 2 });
    await off.client.messages.create(ask('one'));
    const err = await off.client.messages.create(ask('two')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: 'overloaded_error' } });
    expect(off.server.stats()).toMatchObject({ ok: 1, overloaded: 1 });
  });

  test('dropEvery cuts the connection without an answer: the SDK sees a connection error', async () => {
    off.server.setKnobs({ dropEvery: 1 });
    const err = await off.client.messages.create(ask('one')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIConnectionError);
    off.server.setKnobs({ dropEvery: 0 });
    await expect(off.client.messages.create(ask('one'))).resolves.toMatchObject({ type: 'message' });
    expect(off.server.stats()).toMatchObject({ requests: 2, ok: 1, dropped: 1 });
  });

  test('max in-flight counts concurrent calls for the whole of their latency', async () => {
    off.server.setKnobs({ latencyMs: 10_000 });
    const ac = new AbortController();
    const calls = Array.from({ length: 6 }, (_, i) =>
      off.client.messages.create(ask(`parallel ${i}`), { signal: ac.signal }).catch((e: unknown) => e),
    );
    await waitFor(() => off.server.stats().inFlight === 6);
    ac.abort();
    expect((await Promise.all(calls)).every((e) => e instanceof Anthropic.APIUserAbortError)).toBe(true);
    await waitFor(() => off.server.stats().inFlight === 0);
    off.server.setKnobs({ latencyMs: 50 });
    const t = Date.now();
    await Promise.all([off.client.messages.create(ask('a')), off.client.messages.create(ask('b'))]);
    expect(Date.now() - t).toBeGreaterThanOrEqual(49);
    expect(off.server.stats()).toMatchObject({ inFlight: 0, maxInFlight: 6, aborted: 6, ok: 2 });
  });

  test('rateLimitConcurrency answers 429 to requests beyond that many in flight', async () => {
    off.server.setKnobs({ rateLimitConcurrency: 2, latencyMs: 10_000, retryAfterSec: 0.05 });
    const ac = new AbortController();
    const held = [0, 1].map((i) => off.client.messages.create(ask(`held ${i}`), { signal: ac.signal }).catch(() => null));
    await waitFor(() => off.server.stats().inFlight === 2);
    for (let i = 0; i < 3; i++) {
      await expect(off.client.messages.create(ask(`burst ${i}`))).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    }
    ac.abort();
    await Promise.all(held);
    await waitFor(() => off.server.stats().inFlight === 0);
    off.server.setKnobs({ latencyMs: 0 });
    await expect(off.client.messages.create(ask('after the burst'))).resolves.toBeDefined();
    expect(off.server.stats()).toMatchObject({ rateLimited: 3, aborted: 2, ok: 1 });
  });

  test('latency jitter stays within latencyMs .. latencyMs + latencyJitterMs and varies by request', async () => {
    off.server.setKnobs({ latencyMs: 20, latencyJitterMs: 40 });
    const applied: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = Date.now();
      const { response } = await off.client.messages.create(ask(`jitter ${i}`)).withResponse();
      const latency = Number(response.headers.get('x-offline-latency-ms'));
      expect(Date.now() - t).toBeGreaterThanOrEqual(latency - 1);
      applied.push(latency);
    }
    expect(Math.min(...applied)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...applied)).toBeLessThanOrEqual(60);
    expect(new Set(applied).size).toBeGreaterThan(1);
  });

  test('a client that goes away during latency is counted as aborted, not answered', async () => {
    off.server.setKnobs({ latencyMs: 5_000 });
    const ac = new AbortController();
    const call = off.client.messages.create(ask('slow'), { signal: ac.signal }).catch((e: unknown) => e);
    await waitFor(() => off.server.stats().inFlight === 1);
    ac.abort();
    expect(await call).toBeInstanceOf(Anthropic.APIUserAbortError);
    await waitFor(() => off.server.stats().inFlight === 0);
    expect(off.server.stats()).toMatchObject({ ok: 0, aborted: 1 });
  });
});

describe('directives in a prompt', () => {
  let off: Running;
  beforeAll(async () => {
    off = await startOffline();
  });
  afterAll(async () => {
    await off.server.close();
  });
  beforeEach(() => off.server.reset({ knobs: true }));

  test('[offline:fail] answers 400 invalid_request_error for that prompt only', async () => {
    const err = await off.client.messages.create(ask('agent 2 [offline:fail=boom]')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      error: { type: 'invalid_request_error', message: 'boom' },
    });
    await expect(off.client.messages.create(ask('agent 1'))).resolves.toMatchObject({ type: 'message' });
    expect(off.server.stats()).toMatchObject({ ok: 1, invalid: 1 });
  });

  test('[offline:sleep=N] delays only that call', async () => {
    const t = Date.now();
    const sleepy = await off.client.messages.create(ask('sleepy [offline:sleep=200]')).withResponse();
    expect(Date.now() - t).toBeGreaterThanOrEqual(195);
    expect(sleepy.response.headers.get('x-offline-latency-ms')).toBe('200');
    const quick = await off.client.messages.create(ask('quick')).withResponse();
    expect(quick.response.headers.get('x-offline-latency-ms')).toBe('0');
  });

  test('[offline:overloaded=N] and [offline:ratelimit=N] fail the first calls of that prompt, then answer', async () => {
    const prompt = 'flaky [offline:overloaded=1] [offline:ratelimit=1]';
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        await off.client.messages.create(ask(prompt)).then(
          () => 200,
          (e: InstanceType<typeof Anthropic.APIError>) => e.status ?? 0,
        ),
      );
    }
    expect(statuses).toEqual([529, 429, 200]);
    await expect(off.client.messages.create(ask('steady'))).resolves.toMatchObject({ type: 'message' });
  });

  test('an unknown directive is a bad request', async () => {
    await expect(off.client.messages.create(ask('[offline:explode]'))).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe('stats', () => {
  let off: Running;
  beforeAll(async () => {
    off = await startOffline();
  });
  afterAll(async () => {
    await off.server.close();
  });

  test('answers are counted per prompt key, so a second call for one agent shows', async () => {
    off.server.reset();
    await off.client.messages.create(ask('agent A'));
    await off.client.messages.create(ask('agent B'));
    await off.client.messages.create(ask('agent B'));
    const s = off.server.stats();
    expect(s.byPrompt).toEqual({ 'agent A': 1, 'agent B': 2 });
    expect(s.byKind).toEqual({ text: 3 });
    expect(s.outputTokens).toBeGreaterThan(0);
    expect(s.totalInputTokens).toBe(s.inputTokens + s.cacheReadTokens + s.cacheWriteTokens);
  });

  test('reset zeroes the stats and restarts the ordinal the fault knobs count from', async () => {
    off.server.reset();
    off.server.setKnobs({ rateLimitEvery: 2 });
    await off.client.messages.create(ask('x'));
    await expect(off.client.messages.create(ask('x'))).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await off.client.messages.create(ask('x'));
    off.server.reset();
    expect(off.server.stats()).toMatchObject({ requests: 0, ok: 0, byPrompt: {}, maxInFlight: 0 });
    await expect(off.client.messages.create(ask('x'))).resolves.toBeDefined();
    await expect(off.client.messages.create(ask('x'))).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    off.server.reset({ knobs: true });
    expect(off.server.knobs().rateLimitEvery).toBe(0);
  });
});

describe('OfflineModel without a server', () => {
  const body = (i: number) => ({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: `q${i}` }] });

  test('rateLimitFraction fails about that share of requests, the same ones after a reset', async () => {
    const model = new OfflineModel({ rateLimitFraction: 0.3 });
    const failedOrdinals = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 1; i <= 200; i++) if ((await model.messages(body(i))).kind === 'error') out.push(i);
      return out;
    };
    const first = await failedOrdinals();
    expect(first.length).toBeGreaterThan(200 * 0.2);
    expect(first.length).toBeLessThan(200 * 0.4);
    model.reset();
    expect(await failedOrdinals()).toEqual(first);
    model.reset();
    model.setKnobs({ seed: 7 });
    expect(await failedOrdinals()).not.toEqual(first);
  });

  test('knobs are validated with the knob named', () => {
    expect(() => new OfflineModel({ latencyMs: -1 })).toThrow('`latencyMs`');
    expect(() => new OfflineModel({ rateLimitFraction: 2 })).toThrow('`rateLimitFraction`');
    const model = new OfflineModel();
    expect(() => model.setKnobs({ dropEvry: 1 })).toThrow('Unknown offline model knob `dropEvry`');
    expect(() => model.setKnobs({ quiz: 3 })).toThrow('`quiz`');
    expect(() => model.setKnobs({ quiz: { questions: 2 } })).toThrow('quiz.errorRate');
    expect(model.setKnobs({ quiz: { errorRate: 0.3 } }).quiz).toMatchObject({ errorRate: 0.3 });
  });

  test('the text answer mentions the task', async () => {
    const out = await new OfflineModel().messages({
      model: MODEL,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Name three prime numbers' }],
    });
    expect(out.kind).toBe('message');
    if (out.kind === 'message') expect(textOf(out.message as unknown as Anthropic.Message)).toContain('Name three prime numbers');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
