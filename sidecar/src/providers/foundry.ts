import type * as FoundrySdk from '@anthropic-ai/foundry-sdk';
import { ConfigError } from '../errors/errors';
import type { ModelProvider } from './types';
import { loadOptionalSdk } from './optional-sdk';
import { defaultModelFor, envUrl, resolveProviderOptions, type ProviderEnv, type ProviderOptions } from './options';
import { SdkProvider } from './sdk-provider';

/** Foundry addresses models by deployment name; a deployment named after the model is the usual setup. */
export const FOUNDRY_DEFAULT_MODEL = 'claude-sonnet-5-5';

/**
 * Microsoft Foundry. ANTHROPIC_FOUNDRY_API_KEY, and either ANTHROPIC_FOUNDRY_RESOURCE
 * (endpoint `https://<resource>.services.ai.azure.com/anthropic/`) or
 * ANTHROPIC_FOUNDRY_BASE_URL. Entra ID tokens need `@azure/identity`, which the sidecar
 * does not ship, so only API keys are supported here. The SDK (`@anthropic-ai/foundry-sdk`, an
 * optional dependency) is loaded here: without it this throws ProviderUnavailableError.
 */
export function createFoundryProvider(env: ProviderEnv, opts: ProviderOptions = {}): ModelProvider {
  const o = resolveProviderOptions(opts);
  const { AnthropicFoundry } = loadOptionalSdk<typeof FoundrySdk>('foundry', '@anthropic-ai/foundry-sdk', o.loadModule);
  const apiKey = env.ANTHROPIC_FOUNDRY_API_KEY || undefined;
  if (!apiKey) throw new ConfigError('Provider `foundry` needs ANTHROPIC_FOUNDRY_API_KEY');
  const baseURL = o.baseURL ?? envUrl(env, 'ANTHROPIC_FOUNDRY_BASE_URL');
  const resource = baseURL ? undefined : env.ANTHROPIC_FOUNDRY_RESOURCE || undefined;
  if (!baseURL && !resource) {
    throw new ConfigError('Provider `foundry` needs ANTHROPIC_FOUNDRY_RESOURCE or ANTHROPIC_FOUNDRY_BASE_URL');
  }
  if (resource && !/^[A-Za-z0-9-]+$/.test(resource)) {
    throw new ConfigError(
      `Expected \`ANTHROPIC_FOUNDRY_RESOURCE\` to be a resource name (letters, digits, dashes), got ${JSON.stringify(resource)}`,
    );
  }
  const client = new AnthropicFoundry({
    apiKey,
    // `null` keeps the SDK from reading the other of the two from process.env.
    baseURL: baseURL ?? null,
    resource: resource ?? null,
    maxRetries: 0,
    timeout: o.timeoutMs,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  return new SdkProvider(
    'foundry',
    defaultModelFor(env, FOUNDRY_DEFAULT_MODEL),
    (params, signal) => client.messages.create(params, { signal }),
    [apiKey],
  );
}
