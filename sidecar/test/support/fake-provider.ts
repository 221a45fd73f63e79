import type Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageParams, ModelProvider } from '../../src/providers/types';

/** What the fake answers one call with: a message, an error to throw, or a function of the request. */
export type Reply = Message | Error | ((params: MessageParams) => Message | Error);

export const MODEL = 'claude-sonnet-4-5';

/** API-shaped token counts for a reply. */
export interface ReplyUsage {
  readonly input?: number;
  readonly output?: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

/** A Messages API reply with these blocks; only the fields the sidecar reads are meaningful. */
export function reply(content: Anthropic.ContentBlock[], usage: ReplyUsage = {}, stop: Message['stop_reason'] = 'end_turn'): Message {
  const message = {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: {
      input_tokens: usage.input ?? 100,
      output_tokens: usage.output ?? 10,
      cache_read_input_tokens: usage.cacheRead ?? 0,
      cache_creation_input_tokens: usage.cacheWrite ?? 0,
      cache_creation: null,
      server_tool_use: null,
      service_tier: null,
    },
  };
  return message as unknown as Message;
}

export function text(t: string): Anthropic.ContentBlock {
  return { type: 'text', text: t, citations: null } as Anthropic.ContentBlock;
}

let ids = 0;
export function toolUse(name: string, input: unknown, id = `toolu_${++ids}`): Anthropic.ContentBlock {
  return { type: 'tool_use', id, name, input } as Anthropic.ContentBlock;
}

/**
 * A ModelProvider that answers from a script, one reply per call, and keeps a deep copy of
 * every request (the callers go on mutating their message lists after a call).
 */
export class ScriptedProvider implements ModelProvider {
  readonly name = 'offline' as const;
  readonly defaultModel = MODEL;
  readonly requests: MessageParams[] = [];
  private readonly replies: Reply[];

  constructor(replies: Reply[]) {
    this.replies = [...replies];
  }

  get left(): number {
    return this.replies.length;
  }

  async createMessage(params: MessageParams, signal?: AbortSignal): Promise<Message> {
    this.requests.push(structuredClone(params));
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    const next = this.replies.shift();
    if (next === undefined) throw new Error(`ScriptedProvider: no reply scripted for call ${this.requests.length}`);
    const out = typeof next === 'function' ? next(params) : next;
    if (out instanceof Error) throw out;
    return out;
  }
}

/** The blocks of a message param, whether given as a string or as blocks. */
export function blocksOf(m: Anthropic.MessageParam): Anthropic.ContentBlockParam[] {
  return typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
}
