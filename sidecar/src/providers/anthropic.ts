import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../errors/errors';
import type { ModelProvider } from './types';
import { defaultModelFor, envUrl, resolveProviderOptions, type ProviderEnv, type ProviderOptions } from './options';
import { SdkProvider } from './sdk-provider';

export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-5-5';

/**
 * The Anthropic API. Reads ANTHROPIC_API_KEY (wins when both are set, as in the SDK),
 * ANTHROPIC_AUTH_TOKEN and ANTHROPIC_BASE_URL from `env` only: every option is passed
 * explicitly so the SDK never falls back to process.env or to credential files on disk.
 */
export function createAnthropicProvider(env: ProviderEnv, opts: ProviderOptions = {}): ModelProvider {
  const o = resolveProviderOptions(opts);
  const apiKey = env.ANTHROPIC_API_KEY || undefined;
  const authToken = apiKey ? undefined : env.ANTHROPIC_AUTH_TOKEN || undefined;
  if (!apiKey && !authToken) {
    throw new ConfigError('Provider `anthropic` needs ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN');
  }
  const client = new Anthropic({
    apiKey: apiKey ?? null,
    authToken: authToken ?? null,
    baseURL: o.baseURL ?? envUrl(env, 'ANTHROPIC_BASE_URL') ?? null,
    maxRetries: 0,
    timeout: o.timeoutMs,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  return new SdkProvider(
    'anthropic',
    defaultModelFor(env, ANTHROPIC_DEFAULT_MODEL),
    (params, signal) => client.messages.create(params, { signal }),
    [apiKey, authToken],
  );
}
