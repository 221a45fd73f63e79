import { OAuth2Client } from 'google-auth-library';
import { ConfigError, ProviderError } from '../../src/errors/errors';
import { createProvider } from '../../src/providers';
import { PARAMS, recordingFetch } from './recording-fetch';

const ENV = { CLOUD_ML_REGION: 'us-east5', ANTHROPIC_VERTEX_PROJECT_ID: 'my-project' };
const MODEL = 'claude-sonnet-5-5';

function fakeGoogleAuth(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

describe('vertex provider', () => {
  it('posts rawPredict on the regional endpoint with the Google access token', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = createProvider('vertex', ENV, { fetch, googleAuthClient: fakeGoogleAuth('ya29.test-access-token') });
    await provider.createMessage({ ...PARAMS, model: MODEL });

    const [req] = calls;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(
      `https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/${MODEL}:rawPredict`,
    );
    expect(req!.headers.authorization).toBe('Bearer ya29.test-access-token');
    expect(req!.headers['x-api-key']).toBeUndefined();
  });

  it('puts anthropic_version in the body and the model in the URL', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider('vertex', ENV, { fetch, googleAuthClient: fakeGoogleAuth('ya29.x') }).createMessage({ ...PARAMS, model: MODEL });
    const body = calls[0]!.body!;
    expect(body.anthropic_version).toEqual(expect.any(String));
    expect(body.model).toBeUndefined();
    expect(body.messages).toEqual(PARAMS.messages);
  });

  it('uses the global endpoint for the global region', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider(
      'vertex',
      { ...ENV, CLOUD_ML_REGION: 'global' },
      { fetch, googleAuthClient: fakeGoogleAuth('ya29.x') },
    ).createMessage({ ...PARAMS, model: MODEL });
    expect(calls[0]!.url).toBe(
      `https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/publishers/anthropic/models/${MODEL}:rawPredict`,
    );
  });

  it('needs CLOUD_ML_REGION', () => {
    expect(() => createProvider('vertex', { ANTHROPIC_VERTEX_PROJECT_ID: 'p' })).toThrow(ConfigError);
    expect(() => createProvider('vertex', { ANTHROPIC_VERTEX_PROJECT_ID: 'p' })).toThrow(/CLOUD_ML_REGION/);
  });

  it('without Google credentials fails the call, not the process', async () => {
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = '/nonexistent/dw-test-credentials.json';
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const { fetch, calls } = recordingFetch();
      const provider = createProvider('vertex', ENV, { fetch });
      // Give the credential lookup time to fail before anyone awaits it.
      await new Promise((r) => setTimeout(r, 200));
      await expect(provider.createMessage({ ...PARAMS, model: MODEL })).rejects.toBeInstanceOf(ProviderError);
      expect(calls).toHaveLength(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
    }
  });
});
