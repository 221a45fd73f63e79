import type Anthropic from '@anthropic-ai/sdk';

export type MessageParams = Anthropic.MessageCreateParamsNonStreaming;
export type Message = Anthropic.Message;

import type { ProviderName } from '../core/names';

export type { ProviderName };

/**
 * One Messages API call. Implementations translate the SDK's errors into `ProviderError`
 * (kind, retryAfterMs from the `retry-after` header) and never retry themselves: the engine
 * owns retries, backoff and concurrency so it can slow the whole run down when the provider
 * pushes back.
 */
export interface ModelProvider {
  readonly name: ProviderName;
  /** The model used when neither the run nor the agent names one. */
  readonly defaultModel: string;
  createMessage(params: MessageParams, signal?: AbortSignal): Promise<Message>;
  close?(): Promise<void>;
}
