import { ConfigError } from '../../src/errors/errors';
import { createProvider } from '../../src/providers';
import { PARAMS, recordingFetch } from './recording-fetch';

const KEY = 'foundry-key-0123456789abcdef';

describe('foundry provider', () => {
  it('posts /anthropic/v1/messages on the resource endpoint with x-api-key', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = createProvider('foundry', { ANTHROPIC_FOUNDRY_API_KEY: KEY, ANTHROPIC_FOUNDRY_RESOURCE: 'contoso-ai' }, { fetch });
    await provider.createMessage(PARAMS);

    const [req] = calls;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('https://contoso-ai.services.ai.azure.com/anthropic/v1/messages');
    expect(req!.headers['x-api-key']).toBe(KEY);
    expect(req!.headers['anthropic-version']).toEqual(expect.any(String));
    expect(req!.body).toEqual({ model: PARAMS.model, max_tokens: PARAMS.max_tokens, messages: PARAMS.messages });
  });

  it('uses ANTHROPIC_FOUNDRY_BASE_URL instead of a resource name', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider(
      'foundry',
      { ANTHROPIC_FOUNDRY_API_KEY: KEY, ANTHROPIC_FOUNDRY_BASE_URL: 'https://proxy.example.test/anthropic/' },
      { fetch },
    ).createMessage(PARAMS);
    expect(calls[0]!.url).toBe('https://proxy.example.test/anthropic/v1/messages');
  });

  it('needs a key and an endpoint, naming the variables', () => {
    expect(() => createProvider('foundry', { ANTHROPIC_FOUNDRY_RESOURCE: 'r' })).toThrow(/ANTHROPIC_FOUNDRY_API_KEY/);
    expect(() => createProvider('foundry', { ANTHROPIC_FOUNDRY_API_KEY: KEY })).toThrow(/ANTHROPIC_FOUNDRY_RESOURCE/);
    expect(() => createProvider('foundry', { ANTHROPIC_FOUNDRY_API_KEY: KEY, ANTHROPIC_FOUNDRY_RESOURCE: 'evil.com/x' })).toThrow(
      ConfigError,
    );
  });

  it('has a default model that DW_MODEL overrides', () => {
    const env = { ANTHROPIC_FOUNDRY_API_KEY: KEY, ANTHROPIC_FOUNDRY_RESOURCE: 'r' };
    expect(createProvider('foundry', env).defaultModel).toMatch(/^claude-/);
    expect(createProvider('foundry', { ...env, DW_MODEL: 'my-deployment' }).defaultModel).toBe('my-deployment');
  });
});
