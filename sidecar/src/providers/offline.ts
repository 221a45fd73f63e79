import Anthropic from '@anthropic-ai/sdk';
import { ConfigError } from '../errors/errors';
import type { ModelProvider } from './types';
import { defaultModelFor, resolveProviderOptions, type ProviderEnv, type ProviderOptions } from './options';
import { SdkProvider } from './sdk-provider';

export const OFFLINE_DEFAULT_MODEL = 'offline-claude';

/** The offline server accepts any key; one is sent so the SDK never looks for real credentials. */
const OFFLINE_KEY = 'offline-no-key';

/**
 * The real Anthropic SDK pointed at the offline model server, whose URL the engine passes
 * in `opts.baseURL` (the engine starts that server, not this module). Going through the
 * SDK means the offline path exercises the same request and error handling as production.
 */
export function createOfflineProvider(env: ProviderEnv, opts: ProviderOptions = {}): ModelProvider {
  const o = resolveProviderOptions(opts);
  if (!o.baseURL) {
    throw new ConfigError('Provider `offline` needs `baseURL`: the URL of the offline model server');
  }
  const client = new Anthropic({
    apiKey: OFFLINE_KEY,
    authToken: null,
    baseURL: o.baseURL,
    maxRetries: 0,
    timeout: o.timeoutMs,
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  return new SdkProvider(
    'offline',
    defaultModelFor(env, OFFLINE_DEFAULT_MODEL),
    (params, signal) => client.messages.create(params, { signal }),
    [],
  );
}
