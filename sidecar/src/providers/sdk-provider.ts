import type { Message, MessageParams, ModelProvider, ProviderName } from './types';
import { abortReason } from '../core/abort';
import { toProviderError } from './errors';

/** One Messages API call through a provider's SDK client. */
export type SendMessage = (params: MessageParams, signal: AbortSignal | undefined) => PromiseLike<Message>;

/**
 * A ModelProvider over any of the official SDK clients: they share the Messages API shape,
 * so only client construction differs per provider. Clients are built with `maxRetries: 0`;
 * this class adds error normalisation and cancellation, nothing else.
 */
export class SdkProvider implements ModelProvider {
  readonly name: ProviderName;
  readonly defaultModel: string;
  readonly #send: SendMessage;
  readonly #secrets: readonly (string | undefined)[];

  constructor(name: ProviderName, defaultModel: string, send: SendMessage, secrets: readonly (string | undefined)[]) {
    this.name = name;
    this.defaultModel = defaultModel;
    this.#send = send;
    this.#secrets = secrets;
  }

  async createMessage(params: MessageParams, signal?: AbortSignal): Promise<Message> {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await this.#send(params, signal);
    } catch (err) {
      // A cancelled run is not a provider fault: the engine must not count or retry it.
      if (signal?.aborted) throw abortReason(signal);
      throw toProviderError(err, this.name, this.#secrets);
    }
  }
}
