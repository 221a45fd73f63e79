import { ConfigError, ProviderError } from '../../src/errors/errors';
import { createProvider } from '../../src/providers';
import { errorResponse, messageResponse, PARAMS, recordingFetch } from './recording-fetch';

const KEY = 'sk-ant-api03-test-key-0123456789abcdef';

describe('anthropic provider', () => {
  it('posts /v1/messages on ANTHROPIC_BASE_URL with the API key and the request body', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = createProvider(
      'anthropic',
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'https://gateway.example.test/anthropic' },
      { fetch },
    );
    const msg = await provider.createMessage(PARAMS);

    expect(msg.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(calls).toHaveLength(1);
    const [req] = calls;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('https://gateway.example.test/anthropic/v1/messages');
    const auth = req!.headers['x-api-key'] ?? req!.headers.authorization;
    expect(auth === KEY || auth === `Bearer ${KEY}`).toBe(true);
    expect(req!.headers['anthropic-version']).toEqual(expect.any(String));
    expect(req!.body).toEqual({ model: PARAMS.model, max_tokens: PARAMS.max_tokens, messages: PARAMS.messages });
  });

  it('sends ANTHROPIC_AUTH_TOKEN as a bearer token when no API key is set', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = createProvider('anthropic', { ANTHROPIC_AUTH_TOKEN: 'oauth-token-abcdef123456' }, { fetch });
    await provider.createMessage(PARAMS);
    expect(calls[0]!.url).toBe('https://api.anthropic.com/v1/messages');
    expect(calls[0]!.headers.authorization).toBe('Bearer oauth-token-abcdef123456');
    expect(calls[0]!.headers['x-api-key']).toBeUndefined();
  });

  it('reads its settings from the env it is given, not from process.env', async () => {
    const saved = process.env.ANTHROPIC_BASE_URL;
    process.env.ANTHROPIC_BASE_URL = 'https://wrong.example.test';
    try {
      const { fetch, calls } = recordingFetch();
      await createProvider('anthropic', { ANTHROPIC_API_KEY: KEY }, { fetch }).createMessage(PARAMS);
      expect(new URL(calls[0]!.url).host).toBe('api.anthropic.com');
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = saved;
    }
  });

  it('has a default model that DW_MODEL overrides', () => {
    const plain = createProvider('anthropic', { ANTHROPIC_API_KEY: KEY });
    const custom = createProvider('anthropic', { ANTHROPIC_API_KEY: KEY, DW_MODEL: 'claude-opus-5-5' });
    expect(plain.name).toBe('anthropic');
    expect(plain.defaultModel).toMatch(/^claude-/);
    expect(custom.defaultModel).toBe('claude-opus-5-5');
  });

  it('does not retry by itself: one failing call is one request', async () => {
    const { fetch, calls } = recordingFetch(() => errorResponse(500, 'boom'));
    const provider = createProvider('anthropic', { ANTHROPIC_API_KEY: KEY }, { fetch });
    await expect(provider.createMessage(PARAMS)).rejects.toBeInstanceOf(ProviderError);
    expect(calls).toHaveLength(1);
  });

  it('refuses to start without a key or token, naming the variables', () => {
    expect(() => createProvider('anthropic', {})).toThrow(ConfigError);
    expect(() => createProvider('anthropic', {})).toThrow(/ANTHROPIC_API_KEY/);
  });

  it('rejects a malformed ANTHROPIC_BASE_URL and option values, naming them', () => {
    expect(() => createProvider('anthropic', { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'not a url' })).toThrow(/ANTHROPIC_BASE_URL/);
    expect(() => createProvider('anthropic', { ANTHROPIC_API_KEY: KEY }, { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('allows a large max_tokens without streaming because the timeout is explicit', async () => {
    const { fetch, calls } = recordingFetch(() => messageResponse());
    const provider = createProvider('anthropic', { ANTHROPIC_API_KEY: KEY }, { fetch });
    await provider.createMessage({ ...PARAMS, max_tokens: 64_000 });
    expect(calls).toHaveLength(1);
  });
});

describe('createProvider', () => {
  it('refuses an unknown provider name, naming DW_PROVIDER', () => {
    expect(() => createProvider('openai' as 'anthropic', {})).toThrow(/DW_PROVIDER/);
  });
});
