import { ConfigError } from '../../src/errors/errors';
import { createProvider } from '../../src/providers';
import { PARAMS, recordingFetch } from './recording-fetch';

const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const MODEL = 'global.anthropic.claude-sonnet-5-5';

describe('bedrock provider', () => {
  it('invokes the model on the regional runtime endpoint with a SigV4 signature', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = createProvider('bedrock', AWS, { fetch });
    await provider.createMessage({ ...PARAMS, model: MODEL });

    const [req] = calls;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`https://bedrock-runtime.eu-west-1.amazonaws.com/model/${MODEL}/invoke`);
    expect(req!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(req!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req!.headers['x-amz-security-token']).toBeUndefined();
  });

  it('moves the API version into the body and the model into the URL', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider('bedrock', AWS, { fetch }).createMessage({ ...PARAMS, model: MODEL });
    const body = calls[0]!.body!;
    expect(body.anthropic_version).toEqual(expect.any(String));
    expect(body.model).toBeUndefined();
    expect(body.messages).toEqual(PARAMS.messages);
    expect(body.max_tokens).toBe(PARAMS.max_tokens);
    expect(calls[0]!.headers['anthropic-version']).toBeUndefined();
  });

  it('signs with the session token when AWS_SESSION_TOKEN is set', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider('bedrock', { ...AWS, AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEXAMPLESESSION' }, { fetch }).createMessage({
      ...PARAMS,
      model: MODEL,
    });
    expect(calls[0]!.headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLESESSION');
  });

  it('uses a Bedrock API key as a bearer token instead of signing', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider(
      'bedrock',
      { AWS_REGION: 'us-east-1', AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-123456' },
      { fetch },
    ).createMessage({ ...PARAMS, model: MODEL });
    expect(calls[0]!.url).toBe(`https://bedrock-runtime.us-east-1.amazonaws.com/model/${MODEL}/invoke`);
    expect(calls[0]!.headers.authorization).toBe('Bearer bedrock-api-key-123456');
  });

  it('defaults to a Bedrock-form model id, overridable with DW_MODEL', () => {
    expect(createProvider('bedrock', AWS).defaultModel).toMatch(/anthropic\.claude-/);
    expect(createProvider('bedrock', { ...AWS, DW_MODEL: 'us.anthropic.claude-haiku-5-5' }).defaultModel).toBe(
      'us.anthropic.claude-haiku-5-5',
    );
  });

  it('needs a region and both halves of a static key', () => {
    expect(() => createProvider('bedrock', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })).toThrow(/AWS_REGION/);
    expect(() => createProvider('bedrock', { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' })).toThrow(ConfigError);
  });
});
