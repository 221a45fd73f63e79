import { ConfigError } from '../errors/errors';
import type { ModelProvider, ProviderName } from './types';
import type { ProviderEnv, ProviderOptions } from './options';
import { createAnthropicProvider } from './anthropic';
import { createBedrockProvider } from './bedrock';
import { createFoundryProvider } from './foundry';
import { createOfflineProvider } from './offline';
import { createVertexProvider } from './vertex';

const FACTORIES: Readonly<Record<ProviderName, (env: ProviderEnv, opts: ProviderOptions) => ModelProvider>> = {
  anthropic: createAnthropicProvider,
  bedrock: createBedrockProvider,
  vertex: createVertexProvider,
  foundry: createFoundryProvider,
  offline: createOfflineProvider,
};

export const PROVIDER_NAMES: readonly ProviderName[] = Object.keys(FACTORIES) as ProviderName[];

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(FACTORIES, name);
}

/**
 * Builds the named provider from its environment variables (see each provider's file).
 * Throws ConfigError naming the missing or invalid variable. DW_MODEL overrides the
 * provider's default model.
 */
export function createProvider(name: ProviderName, env: ProviderEnv, opts: ProviderOptions = {}): ModelProvider {
  if (!isProviderName(name)) {
    throw new ConfigError(`Expected \`DW_PROVIDER\` to be one of ${PROVIDER_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  return FACTORIES[name](env, opts);
}
