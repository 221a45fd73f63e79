import { modelPrice, priceUsage } from '../../src/providers';

const M = 1_000_000;

/**
 * Anthropic's published list prices, USD per million tokens, written out (not derived):
 * [input, 5m cache write, 1h cache write, cache hit, output]. Source and date: see the table
 * in sidecar/src/providers/pricing.ts (platform.claude.com/docs/en/about-claude/pricing,
 * checked 2026-12-01). A wrong price in the table fails here.
 */
const LIST_PRICES: ReadonlyArray<readonly [string, readonly [number, number, number, number, number]]> = [
  ['claude-fable-5-1', [10, 12.5, 20, 0.25, 50]],
  ['claude-mythos-5-1', [10, 12.5, 20, 0.25, 50]],
  ['claude-fable-5', [10, 12.5, 20, 1, 50]],
  ['claude-mythos-5', [10, 12.5, 20, 1, 50]],
  ['claude-opus-5-5', [4, 5, 8, 0.2, 20]],
  ['claude-opus-5', [5, 6.25, 10, 0.5, 25]],
  ['claude-opus-4-8', [5, 6.25, 10, 0.5, 25]],
  ['claude-opus-4-7', [5, 6.25, 10, 0.5, 25]],
  ['claude-opus-4-6', [5, 6.25, 10, 0.5, 25]],
  ['claude-opus-4-5-20251101', [5, 6.25, 10, 0.5, 25]],
  ['claude-opus-4-1-20250805', [15, 18.75, 30, 1.5, 75]],
  ['claude-opus-4-20250514', [15, 18.75, 30, 1.5, 75]],
  ['claude-3-opus-20240229', [15, 18.75, 30, 1.5, 75]],
  ['claude-sonnet-5-5', [2, 2.5, 4, 0.1, 10]],
  ['claude-sonnet-5', [2, 2.5, 4, 0.2, 10]],
  ['claude-sonnet-4-6', [3, 3.75, 6, 0.3, 15]],
  ['claude-sonnet-4-5-20250929', [3, 3.75, 6, 0.3, 15]],
  ['claude-sonnet-4-20250514', [3, 3.75, 6, 0.3, 15]],
  ['claude-3-7-sonnet-20250219', [3, 3.75, 6, 0.3, 15]],
  ['claude-3-5-sonnet-20241022', [3, 3.75, 6, 0.3, 15]],
  ['claude-haiku-5-5', [0.1, 0.125, 0.2, 0.01, 0.5]],
  ['claude-haiku-4-5-20251001', [1, 1.25, 2, 0.1, 5]],
  ['claude-3-5-haiku-20241022', [0.8, 1, 1.6, 0.08, 4]],
  ['claude-3-haiku-20240307', [0.25, 0.3, 0.5, 0.03, 1.25]],
];

describe('the price table against the published list prices', () => {
  it.each(LIST_PRICES)('%s is priced at its list price', (model, [input, write5m, write1h, hit, output]) => {
    const p = modelPrice(model);
    expect(p.known).toBe(true);
    expect({
      input: p.input,
      cacheWrite5m: p.cacheWrite5m,
      cacheWrite1h: p.cacheWrite1h,
      cacheRead: p.cacheRead,
      output: p.output,
    }).toEqual({
      input: expect.closeTo(input, 10),
      cacheWrite5m: expect.closeTo(write5m, 10),
      cacheWrite1h: expect.closeTo(write1h, 10),
      cacheRead: expect.closeTo(hit, 10),
      output: expect.closeTo(output, 10),
    });
  });

  // One call of 10k fresh input, 2k output, 50k cache hits, 4k 5-minute and 1k 1-hour cache
  // writes, in dollars worked out by hand from the list prices above.
  const call = {
    input_tokens: 10_000,
    output_tokens: 2_000,
    cache_read_input_tokens: 50_000,
    cache_creation_input_tokens: 5_000,
    cache_creation: { ephemeral_5m_input_tokens: 4_000, ephemeral_1h_input_tokens: 1_000 },
  };
  it.each([
    // 10k×5 + 2k×25 + 50k×0.5 + 4k×6.25 + 1k×10 = 0.05 + 0.05 + 0.025 + 0.025 + 0.01
    ['claude-opus-4-6', 0.16],
    // 10k×15 + 2k×75 + 50k×1.5 + 4k×18.75 + 1k×30 = 0.15 + 0.15 + 0.075 + 0.075 + 0.03
    ['claude-opus-4-1', 0.48],
    // 10k×3 + 2k×15 + 50k×0.3 + 4k×3.75 + 1k×6 = 0.03 + 0.03 + 0.015 + 0.015 + 0.006
    ['claude-sonnet-4-6', 0.096],
    // 10k×2 + 2k×10 + 50k×0.1 + 4k×2.5 + 1k×4 = 0.02 + 0.02 + 0.005 + 0.01 + 0.004
    ['claude-sonnet-5-5', 0.059],
    // 10k×1 + 2k×5 + 50k×0.1 + 4k×1.25 + 1k×2 = 0.01 + 0.01 + 0.005 + 0.005 + 0.002
    ['claude-haiku-4-5', 0.032],
    // 10k×4 + 2k×20 + 50k×0.2 + 4k×5 + 1k×8 = 0.04 + 0.04 + 0.01 + 0.02 + 0.008
    ['claude-opus-5-5', 0.118],
  ] as const)('a mixed call on %s costs $%s', (model, usd) => {
    expect(priceUsage(model, call).usd).toBeCloseTo(usd, 9);
  });
});

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
    const u = priceUsage(model, {
      input_tokens: 1000,
      output_tokens: 200,
      cache_read_input_tokens: 50_000,
      cache_creation_input_tokens: 4000,
    });
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
    const u = priceUsage('claude-haiku-4-5', {
      input_tokens: 10,
      output_tokens: 10,
      cache_read_input_tokens: null,
      cache_creation_input_tokens: null,
      cache_creation: null,
    });
    expect(u.cacheReadTokens).toBe(0);
    expect(u.cacheWriteTokens).toBe(0);
    expect(u.usd).toBeGreaterThan(0);
  });

  it('charges a million Sonnet input plus a million output tokens at list price', () => {
    expect(priceUsage('claude-sonnet-4-5', { input_tokens: M, output_tokens: M }).usd).toBe(18);
    expect(priceUsage('claude-opus-4-1', { input_tokens: M, output_tokens: M }).usd).toBe(90);
  });
});
