import { modelPrice, priceUsage } from '../../src/providers';

const M = 1_000_000;

describe('modelPrice', () => {
  it('prices cache writes at 1.25x input and cache reads at 0.1x input by default', () => {
    const p = modelPrice('claude-sonnet-4-6');
    expect(p.cacheWrite5m).toBeCloseTo(p.input * 1.25, 10);
    expect(p.cacheWrite1h).toBeCloseTo(p.input * 2, 10);
    expect(p.cacheRead).toBeCloseTo(p.input * 0.1, 10);
  });

  it('orders the families by price: haiku < sonnet < opus for the same generation', () => {
    const haiku = modelPrice('claude-haiku-4-5');
    const sonnet = modelPrice('claude-sonnet-4-5');
    const opus = modelPrice('claude-opus-4-5');
    expect(haiku.input).toBeLessThan(sonnet.input);
    expect(sonnet.input).toBeLessThan(opus.input);
    expect(haiku.output).toBeLessThan(sonnet.output);
    expect(sonnet.output).toBeLessThan(opus.output);
  });

  it('matches a model across the Anthropic, Bedrock, Vertex and Foundry id forms', () => {
    const forms = [
      'claude-opus-4-1',
      'claude-opus-4-1-20250805',
      'anthropic.claude-opus-4-1-20250805-v1:0',
      'us.anthropic.claude-opus-4-1-20250805-v1:0',
      'claude-opus-4-1@20250805',
    ];
    const prices = forms.map((f) => modelPrice(f));
    for (const p of prices) {
      expect(p).toEqual(prices[0]);
      expect(p.known).toBe(true);
      expect(p.family).toBe('opus');
    }
  });

  it('does not read the date of a dated id as a minor version', () => {
    // Opus 4 (dated 2025-05-14) and Opus 4.5 are priced differently.
    expect(modelPrice('claude-opus-4-20250514').input).not.toBe(modelPrice('claude-opus-4-5-20251101').input);
    expect(modelPrice('claude-opus-4-20250514')).toEqual(modelPrice('claude-opus-4'));
  });

  it('reads the older claude-3-5-haiku naming', () => {
    const p = modelPrice('claude-3-5-haiku-20241022');
    expect(p.family).toBe('haiku');
    expect(p.known).toBe(true);
    expect(p.input).not.toBe(modelPrice('claude-3-haiku-20240307').input);
  });

  it('prices unknown models like Sonnet and flags them', () => {
    const unknown = modelPrice('some-other-model');
    const sonnet = modelPrice('claude-sonnet-4-6');
    expect(unknown.known).toBe(false);
    expect(unknown.family).toBeNull();
    expect({ ...unknown, known: true, family: 'sonnet' }).toEqual(sonnet);
  });

  it('prices the offline model like Sonnet, as a known model', () => {
    const offline = modelPrice('offline-claude');
    expect(offline.known).toBe(true);
    expect(offline.input).toBe(modelPrice('claude-sonnet-4-6').input);
    expect(offline.output).toBe(modelPrice('claude-sonnet-4-6').output);
  });

  it('prices a newer version of a known family like the newest listed, flagged', () => {
    const future = modelPrice('claude-haiku-9-9');
    expect(future.family).toBe('haiku');
    expect(future.known).toBe(false);
    expect(future.input).toBe(modelPrice('claude-haiku-5-5').input);
  });
});

describe('priceUsage', () => {
  it('prices each token kind at its own rate (input_tokens excludes cache reads and writes)', () => {
    const model = 'claude-sonnet-4-5';
    const p = modelPrice(model);
    const u = priceUsage(model, { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 50_000, cache_creation_input_tokens: 4000 });
    expect(u).toEqual({
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 50_000,
      cacheWriteTokens: 4000,
      usd: expect.any(Number),
    });
    const expected = (1000 * p.input + 200 * p.output + 50_000 * p.cacheRead + 4000 * p.cacheWrite5m) / M;
    expect(u.usd).toBeCloseTo(expected, 9);
  });

  it('makes a cached prefix much cheaper than the same tokens sent fresh', () => {
    const fresh = priceUsage('claude-sonnet-4-5', { input_tokens: 100_000, output_tokens: 0 });
    const cached = priceUsage('claude-sonnet-4-5', { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 100_000 });
    expect(cached.usd).toBeCloseTo(fresh.usd / 10, 9);
  });

  it('prices 1-hour cache writes at the 1-hour rate when the breakdown is given', () => {
    const model = 'claude-sonnet-4-5';
    const p = modelPrice(model);
    const u = priceUsage(model, {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
    });
    expect(u.cacheWriteTokens).toBe(3000);
    expect(u.usd).toBeCloseTo((1000 * p.cacheWrite5m + 2000 * p.cacheWrite1h) / M, 9);
  });

  it('treats null and missing cache fields as zero', () => {
    const u = priceUsage('claude-haiku-4-5', { input_tokens: 10, output_tokens: 10, cache_read_input_tokens: null, cache_creation_input_tokens: null, cache_creation: null });
    expect(u.cacheReadTokens).toBe(0);
    expect(u.cacheWriteTokens).toBe(0);
    expect(u.usd).toBeGreaterThan(0);
  });

  it('charges a million Sonnet input plus a million output tokens at list price', () => {
    expect(priceUsage('claude-sonnet-4-5', { input_tokens: M, output_tokens: M }).usd).toBe(18);
    expect(priceUsage('claude-opus-4-1', { input_tokens: M, output_tokens: M }).usd).toBe(90);
  });
});
