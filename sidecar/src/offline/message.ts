import type { Answer, AnswerBlock } from './answer-types';
import { tokensForChars, type TokenAccount } from './prompt-cache';

export interface OfflineUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_creation: { readonly ephemeral_5m_input_tokens: number; readonly ephemeral_1h_input_tokens: number };
  readonly server_tool_use: null;
  readonly service_tier: 'standard';
  readonly inference_geo: null;
  readonly output_tokens_details: null;
  readonly speed: null;
}

/** A Messages API response body, shaped as `@anthropic-ai/sdk`'s `Message`. */
export interface OfflineMessage {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: readonly AnswerBlock[];
  readonly stop_reason: 'end_turn' | 'tool_use' | 'max_tokens';
  readonly stop_sequence: null;
  readonly stop_details: null;
  readonly container: null;
  readonly diagnostics: null;
  readonly usage: OfflineUsage;
}

const blockChars = (b: AnswerBlock): number => (b.type === 'text' ? b.text.length : b.name.length + JSON.stringify(b.input).length);

/**
 * The response for an answer. Output beyond `max_tokens` is cut as the real API cuts it:
 * text is truncated, a tool call that does not fit loses its input, and the stop reason
 * says `max_tokens`.
 */
export function buildMessage(id: string, model: string, answer: Answer, maxTokens: number, tokens: TokenAccount): OfflineMessage {
  let content = answer.content;
  let stop: OfflineMessage['stop_reason'] = answer.stopReason;
  let outputTokens = tokensForChars(content.reduce((n, b) => n + blockChars(b), 0));
  if (outputTokens > maxTokens) {
    const budget = maxTokens * 4;
    content = content.map((b) => (b.type === 'text' ? { ...b, text: b.text.slice(0, budget) } : { ...b, input: {} }));
    stop = 'max_tokens';
    outputTokens = maxTokens;
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: tokens.inputTokens,
      output_tokens: Math.max(1, outputTokens),
      cache_creation_input_tokens: tokens.cacheWriteTokens,
      cache_read_input_tokens: tokens.cacheReadTokens,
      cache_creation: { ephemeral_5m_input_tokens: tokens.cacheWrite5mTokens, ephemeral_1h_input_tokens: tokens.cacheWrite1hTokens },
      server_tool_use: null,
      service_tier: 'standard',
      inference_geo: null,
      output_tokens_details: null,
      speed: null,
    },
  };
}
