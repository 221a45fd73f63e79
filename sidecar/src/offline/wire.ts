import { invalidRequest } from './api-error';

/**
 * The part of a Messages API request the offline model reads. Bodies arrive as untrusted
 * JSON, so they are checked here once and everything after works on these types.
 */
export interface CacheControl {
  readonly type: 'ephemeral';
  /** @default '5m' */
  readonly ttl: '5m' | '1h';
}

/** A content block, system block or tool as sent; only `type` (or `name`) is known to exist. */
export type WireBlock = Readonly<Record<string, unknown>> & { readonly type: string };

export interface WireMessage {
  readonly role: 'user' | 'assistant';
  /** A string is normalised into one text block. */
  readonly content: readonly WireBlock[];
}

export interface WireTool {
  readonly name: string;
  readonly description: string;
  readonly input_schema: Readonly<Record<string, unknown>>;
  /** The tool as sent, for hashing and token counts. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export type WireToolChoice = { readonly type: 'auto' | 'any' | 'none' } | { readonly type: 'tool'; readonly name: string };

export interface MessagesRequest {
  readonly model: string;
  /** 0 for count_tokens, where it is not sent. */
  readonly maxTokens: number;
  readonly system: readonly WireBlock[];
  readonly messages: readonly WireMessage[];
  readonly tools: readonly WireTool[];
  readonly toolChoice: WireToolChoice;
  readonly stream: boolean;
  /** `output_config.format.schema` when JSON output was asked for. */
  readonly jsonSchema: Readonly<Record<string, unknown>> | null;
}

/** Stands for a body that is not JSON, so the model can count the request before refusing it. */
export const UNPARSABLE_BODY: unique symbol = Symbol('unparsable body');

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a `/v1/messages` (or `count_tokens`, with `forCount`) body; throws invalid_request_error. */
export function parseMessagesRequest(body: unknown, forCount = false): MessagesRequest {
  if (body === UNPARSABLE_BODY) throw invalidRequest('The request body is not valid JSON');
  if (!isObject(body)) throw invalidRequest('The request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '') throw invalidRequest('model: Field required');
  let maxTokens = 0;
  if (!forCount) {
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
      throw invalidRequest('max_tokens: Field required (a positive integer)');
    }
    maxTokens = body.max_tokens;
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalidRequest('messages: at least one message is required');
  const messages = body.messages.map((m, i) => parseMessage(m, i));
  const tools = parseTools(body.tools);
  return {
    model: body.model,
    maxTokens,
    system: parseSystem(body.system),
    messages,
    tools,
    toolChoice: parseToolChoice(body.tool_choice, tools),
    stream: body.stream === true,
    jsonSchema: parseOutputSchema(body.output_config),
  };
}

function parseMessage(m: unknown, i: number): WireMessage {
  if (!isObject(m)) throw invalidRequest(`messages.${i}: must be an object`);
  if (m.role !== 'user' && m.role !== 'assistant') throw invalidRequest(`messages.${i}.role: must be "user" or "assistant"`);
  return { role: m.role, content: parseContent(m.content, `messages.${i}.content`) };
}

function parseContent(content: unknown, where: string): WireBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest(`${where}: must be a string or an array of content blocks`);
  return content.map((b, j) => {
    if (!isObject(b) || typeof b.type !== 'string') throw invalidRequest(`${where}.${j}: a content block needs a type`);
    if (b.type === 'text' && typeof b.text !== 'string') throw invalidRequest(`${where}.${j}.text: Field required`);
    if (b.cache_control !== undefined) parseCacheControl(b.cache_control, `${where}.${j}.cache_control`);
    return b as WireBlock;
  });
}

function parseSystem(system: unknown): WireBlock[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ type: 'text', text: system }];
  return parseContent(system, 'system');
}

function parseTools(tools: unknown): WireTool[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw invalidRequest('tools: must be an array');
  const seen = new Set<string>();
  return tools.map((t, i) => {
    if (!isObject(t) || typeof t.name !== 'string' || t.name === '') throw invalidRequest(`tools.${i}.name: Field required`);
    if (seen.has(t.name)) throw invalidRequest(`tools: Tool names must be unique (${t.name})`);
    seen.add(t.name);
    // Server tools (web_search …) carry a versioned type and no input_schema.
    const schema = isObject(t.input_schema) ? t.input_schema : { type: 'object', properties: {} };
    if (t.cache_control !== undefined) parseCacheControl(t.cache_control, `tools.${i}.cache_control`);
    return { name: t.name, description: typeof t.description === 'string' ? t.description : '', input_schema: schema, raw: t };
  });
}

function parseToolChoice(choice: unknown, tools: readonly WireTool[]): WireToolChoice {
  if (choice === undefined || choice === null) return { type: 'auto' };
  if (!isObject(choice)) throw invalidRequest('tool_choice: must be an object');
  if (choice.type === 'auto' || choice.type === 'any' || choice.type === 'none') {
    if (choice.type === 'any' && tools.length === 0) throw invalidRequest('tool_choice: "any" requires tools');
    return { type: choice.type };
  }
  if (choice.type === 'tool') {
    if (typeof choice.name !== 'string' || !tools.some((t) => t.name === choice.name)) {
      throw invalidRequest(`tool_choice.name: Tool ${JSON.stringify(choice.name)} is not in tools`);
    }
    return { type: 'tool', name: choice.name };
  }
  throw invalidRequest('tool_choice.type: must be one of auto, any, tool, none');
}

function parseOutputSchema(config: unknown): Readonly<Record<string, unknown>> | null {
  if (!isObject(config) || !isObject(config.format)) return null;
  if (config.format.type !== 'json_schema' || !isObject(config.format.schema)) {
    throw invalidRequest('output_config.format: only {type: "json_schema", schema} is supported');
  }
  return config.format.schema;
}

/** The block's cache breakpoint, or null. */
export function parseCacheControl(value: unknown, where = 'cache_control'): CacheControl | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value) || value.type !== 'ephemeral') throw invalidRequest(`${where}.type: must be "ephemeral"`);
  if (value.ttl !== undefined && value.ttl !== '5m' && value.ttl !== '1h') throw invalidRequest(`${where}.ttl: must be "5m" or "1h"`);
  return { type: 'ephemeral', ttl: value.ttl === '1h' ? '1h' : '5m' };
}

/** Text of a message's text blocks, joined by newlines. */
export function messageText(m: WireMessage): string {
  return m.content
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
}

/** Text of a tool_result block's content (a string or text blocks). */
export function toolResultText(block: WireBlock): string {
  const c = block.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c
    .filter((x): x is { type: 'text'; text: string } => isObject(x) && x.type === 'text' && typeof x.text === 'string')
    .map((x) => x.text)
    .join('\n');
}

/** The first user message's text: the key stats count answers by ("was agent X called twice?"). */
export function promptKey(req: MessagesRequest): string {
  const first = req.messages.find((m) => m.role === 'user');
  return first ? messageText(first) : '';
}
