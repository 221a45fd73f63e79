import type * as VertexSdk from '@anthropic-ai/vertex-sdk';
import type * as GoogleAuthLibrary from 'google-auth-library';
import type { GoogleAuth as GoogleAuthClass } from 'google-auth-library';
import { ConfigError } from '../errors/errors';
import type { ModelProvider } from './types';
import { loadOptionalSdk } from './optional-sdk';
import { defaultModelFor, envUrl, resolveProviderOptions, type ProviderEnv, type ProviderOptions } from './options';
import { SdkProvider } from './sdk-provider';

export const VERTEX_DEFAULT_MODEL = 'claude-sonnet-5-5';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * The Vertex client asks Google for credentials in its constructor and awaits the answer only
 * at the first request. Without credentials that promise rejects unobserved and Node ends the
 * process; marking it handled here keeps the failure where it belongs, on the model call.
 * A subclass of the GoogleAuth that was loaded (google-auth-library is loaded with the provider).
 */
function deferredGoogleAuth(Base: typeof GoogleAuthClass, scopes: string): GoogleAuthClass {
  class DeferredGoogleAuth extends Base {
    override getClient(): ReturnType<GoogleAuthClass['getClient']> {
      const pending = super.getClient();
      pending.catch(() => undefined);
      return pending;
    }
  }
  return new DeferredGoogleAuth({ scopes });
}

function vertexBaseUrl(region: string): string {
  switch (region) {
    case 'global':
      return 'https://aiplatform.googleapis.com/v1';
    case 'us':
      return 'https://aiplatform.us.rep.googleapis.com/v1';
    case 'eu':
      return 'https://aiplatform.eu.rep.googleapis.com/v1';
    default:
      return `https://${region}-aiplatform.googleapis.com/v1`;
  }
}

/**
 * Google Vertex AI. CLOUD_ML_REGION and ANTHROPIC_VERTEX_PROJECT_ID (else the project of
 * the credentials); auth by Application Default Credentials unless `opts.googleAuthClient`
 * is given. ANTHROPIC_VERTEX_BASE_URL overrides the endpoint. The SDKs (`@anthropic-ai/vertex-sdk`
 * and `google-auth-library`, optional dependencies) are loaded here: without them this throws
 * ProviderUnavailableError.
 */
export function createVertexProvider(env: ProviderEnv, opts: ProviderOptions = {}): ModelProvider {
  const o = resolveProviderOptions(opts);
  const { AnthropicVertex } = loadOptionalSdk<typeof VertexSdk>('vertex', '@anthropic-ai/vertex-sdk', o.loadModule);
  // The Vertex SDK needs it too; loaded by name here so a missing one is named as such.
  const { GoogleAuth } = loadOptionalSdk<typeof GoogleAuthLibrary>('vertex', 'google-auth-library', o.loadModule);
  const region = env.CLOUD_ML_REGION || undefined;
  if (!region) throw new ConfigError('Provider `vertex` needs CLOUD_ML_REGION');
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError(`Expected \`CLOUD_ML_REGION\` to be a region name such as us-east5 or global, got ${JSON.stringify(region)}`);
  }
  const common = {
    region,
    projectId: env.ANTHROPIC_VERTEX_PROJECT_ID || null,
    baseURL: o.baseURL ?? envUrl(env, 'ANTHROPIC_VERTEX_BASE_URL') ?? vertexBaseUrl(region),
    maxRetries: 0,
    timeout: o.timeoutMs,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  const client = o.googleAuthClient
    ? new AnthropicVertex({ ...common, authClient: o.googleAuthClient })
    : new AnthropicVertex({ ...common, googleAuth: deferredGoogleAuth(GoogleAuth, SCOPE) });
  return new SdkProvider(
    'vertex',
    defaultModelFor(env, VERTEX_DEFAULT_MODEL),
    (params, signal) => client.messages.create(params, { signal }),
    [],
  );
}
