import { MODEL_ALIASES, MODEL_ALIAS_TABLE, resolveModel } from '../../src/core/models';
import { PROVIDER_NAMES } from '../../src/core/names';
import { modelPrice } from '../../src/providers/pricing';

describe('model aliases', () => {
  test('every provider maps every alias', () => {
    for (const provider of PROVIDER_NAMES) {
      for (const alias of MODEL_ALIASES) expect(MODEL_ALIAS_TABLE[provider][alias]).toMatch(/\S/);
    }
  });

  test('aliases resolve per provider, case and spaces aside; other ids pass through unchanged', () => {
    expect(resolveModel('anthropic', 'haiku')).toBe('claude-haiku-5-5');
    expect(resolveModel('bedrock', ' Opus ')).toBe('global.anthropic.claude-opus-5-5');
    expect(resolveModel('offline', 'sonnet')).toBe('offline-claude-sonnet');
    expect(resolveModel('anthropic', 'claude-opus-4-5')).toBe('claude-opus-4-5');
    expect(resolveModel('vertex', 'haiku-ish')).toBe('haiku-ish');
  });

  test('each alias of a cloud provider is priced as its own family', () => {
    for (const provider of ['anthropic', 'bedrock', 'vertex', 'foundry'] as const) {
      for (const alias of MODEL_ALIASES) {
        const price = modelPrice(MODEL_ALIAS_TABLE[provider][alias]);
        expect(price).toMatchObject({ family: alias, known: true });
      }
    }
  });
});
