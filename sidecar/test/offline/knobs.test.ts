import { DEFAULT_KNOBS, knobsFromEnv, validateKnobs } from '../../src/offline';

describe('knobsFromEnv', () => {
  test('reads the DW_OFFLINE_* variables that are set, and leaves the rest out', () => {
    expect(
      knobsFromEnv({
        DW_OFFLINE_LATENCY_MS: '250',
        DW_OFFLINE_LATENCY_JITTER_MS: '50',
        DW_OFFLINE_RATE_LIMIT_EVERY: '10',
        DW_OFFLINE_RATE_LIMIT_FRACTION: '0.05',
        DW_OFFLINE_RETRY_AFTER_SEC: '0.2',
        DW_OFFLINE_OVERLOAD_EVERY: '',
        DW_OFFLINE_DROP_EVERY: '7',
        DW_OFFLINE_MIN_CACHE_TOKENS: '2048',
        DW_OFFLINE_QUIZ: '{"errorRate":0.3,"correlated":true,"seed":7}',
        UNRELATED: 'x',
      }),
    ).toEqual({
      latencyMs: 250,
      latencyJitterMs: 50,
      rateLimitEvery: 10,
      rateLimitFraction: 0.05,
      retryAfterSec: 0.2,
      dropEvery: 7,
      minCacheTokens: 2048,
      quiz: { errorRate: 0.3, correlated: true, seed: 7 },
    });
    expect(knobsFromEnv({})).toEqual({});
  });

  test('a bad value fails naming the variable', () => {
    expect(() => knobsFromEnv({ DW_OFFLINE_LATENCY_MS: 'fast' })).toThrow('`DW_OFFLINE_LATENCY_MS`');
    expect(() => knobsFromEnv({ DW_OFFLINE_RATE_LIMIT_EVERY: '1.5' })).toThrow('`DW_OFFLINE_RATE_LIMIT_EVERY`');
    expect(() => knobsFromEnv({ DW_OFFLINE_QUIZ: '[1]' })).toThrow('`DW_OFFLINE_QUIZ`');
  });
});

describe('validateKnobs', () => {
  test('accepts every default knob and rejects what is not an object', () => {
    expect(validateKnobs(DEFAULT_KNOBS)).toEqual(DEFAULT_KNOBS);
    expect(() => validateKnobs([1])).toThrow('object');
    expect(() => validateKnobs({ minCacheTokens: 1.5 })).toThrow('Expected `minCacheTokens` to be an integer');
  });
});
