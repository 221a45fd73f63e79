import type * as BedrockSdk from '@anthropic-ai/bedrock-sdk';
import { ConfigError } from '../errors/errors';
import type { ModelProvider } from './types';
import { loadOptionalSdk } from './optional-sdk';
import { defaultModelFor, envUrl, resolveProviderOptions, type ProviderEnv, type ProviderOptions } from './options';
import { SdkProvider } from './sdk-provider';

/** A global cross-region inference profile: on-demand calls to the bare model id are refused in most regions. */
export const BEDROCK_DEFAULT_MODEL = 'global.anthropic.claude-sonnet-5-5';

/**
 * Amazon Bedrock. Region from AWS_REGION (or AWS_DEFAULT_REGION); credentials, in order:
 * AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key), AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 * (+ AWS_SESSION_TOKEN) signed with SigV4, else the AWS default credential chain
 * (profiles, SSO, instance metadata). ANTHROPIC_BEDROCK_BASE_URL overrides the endpoint.
 * The SDK (`@anthropic-ai/bedrock-sdk`, an optional dependency) is loaded here, not before:
 * without it this throws ProviderUnavailableError (`provider_unavailable`).
 */
export function createBedrockProvider(env: ProviderEnv, opts: ProviderOptions = {}): ModelProvider {
  const o = resolveProviderOptions(opts);
  const { AnthropicBedrock } = loadOptionalSdk<typeof BedrockSdk>('bedrock', '@anthropic-ai/bedrock-sdk', o.loadModule);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigError('Provider `bedrock` needs AWS_REGION');
  const accessKey = env.AWS_ACCESS_KEY_ID || undefined;
  const secretKey = env.AWS_SECRET_ACCESS_KEY || undefined;
  if (Boolean(accessKey) !== Boolean(secretKey)) {
    throw new ConfigError('Provider `bedrock` needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither');
  }
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  const bearer = env.AWS_BEARER_TOKEN_BEDROCK || undefined;
  const common = {
    awsRegion: region,
    // Computed here so the SDK does not read ANTHROPIC_BEDROCK_BASE_URL from process.env.
    baseURL: o.baseURL ?? envUrl(env, 'ANTHROPIC_BEDROCK_BASE_URL') ?? `https://bedrock-runtime.${region}.amazonaws.com`,
    apiKey: bearer ?? null,
    maxRetries: 0,
    timeout: o.timeoutMs,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  const client =
    accessKey && secretKey
      ? new AnthropicBedrock({ ...common, awsAccessKey: accessKey, awsSecretKey: secretKey, awsSessionToken: sessionToken ?? null })
      : new AnthropicBedrock(common);
  return new SdkProvider(
    'bedrock',
    defaultModelFor(env, BEDROCK_DEFAULT_MODEL),
    (params, signal) => client.messages.create(params, { signal }),
    [bearer, secretKey, sessionToken, accessKey],
  );
}
