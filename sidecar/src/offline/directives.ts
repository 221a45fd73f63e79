import { invalidRequest } from './api-error';

/** A broken first script the planner hands out on request, to exercise repair. */
export type BrokenPlan = 'syntax' | 'determinism' | 'throw';

/**
 * Per-prompt instructions to the offline model, written into a prompt (or a system prompt)
 * so a test can steer one agent among many. See README.md in this folder.
 */
export interface Directives {
  /** `[offline:fail]` or `[offline:fail=message]`: answer 400 invalid_request_error. */
  readonly fail: string | null;
  /** `[offline:sleep=MS]`: extra latency for this call. */
  readonly sleepMs: number;
  /** `[offline:text=...]`: answer exactly this text (it may not contain `]`). */
  readonly text: string | null;
  /** `[offline:json={...}]`: exactly this value as the StructuredOutput input. */
  readonly json: { readonly value: unknown } | null;
  /** `[offline:overloaded=N]`: the first N calls with this prompt answer 529. */
  readonly overloaded: number;
  /** `[offline:ratelimit=N]`: the first N calls with this prompt answer 429. */
  readonly rateLimited: number;
  /** `[offline:drop=N]`: the first N calls with this prompt lose their connection. */
  readonly dropped: number;
  /** `[offline:plan=syntax|determinism|throw]`: the planner's first script is broken that way. */
  readonly brokenPlan: BrokenPlan | null;
  /** `[offline:tool=NAME {json}]`: a subagent's first turn calls this tool with this input. */
  readonly tool: ToolCall | null;
}

/** A tool call a prompt asks the offline model to make. */
export interface ToolCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

export const NO_DIRECTIVES: Directives = {
  fail: null,
  sleepMs: 0,
  text: null,
  json: null,
  overloaded: 0,
  rateLimited: 0,
  dropped: 0,
  brokenPlan: null,
  tool: null,
};

const START = /\[offline:([a-z]+)/g;
const BROKEN: readonly BrokenPlan[] = ['syntax', 'determinism', 'throw'];
const MAX_SLEEP_MS = 600_000;

/** Reads every `[offline:…]` directive in `text`; a malformed one is an invalid request. */
export function parseDirectives(text: string): Directives {
  if (!text.includes('[offline:')) return NO_DIRECTIVES;
  const d: { -readonly [K in keyof Directives]: Directives[K] } = { ...NO_DIRECTIVES };
  for (const m of text.matchAll(START)) {
    const name = m[1];
    const at = m.index + m[0].length;
    if (name === 'json') {
      d.json = { value: readJson(text, at) };
      continue;
    }
    if (name === 'tool') {
      d.tool = readTool(text, at);
      continue;
    }
    const end = text.indexOf(']', at);
    if (end < 0) throw invalidRequest(`Unterminated offline directive [offline:${name}`);
    const raw = text.slice(at, end);
    const value = raw.startsWith('=') ? raw.slice(1) : null;
    if (value === null && raw !== '') throw invalidRequest(`Malformed offline directive [offline:${name}${raw}]`);
    switch (name) {
      case 'fail':
        d.fail = value || 'Failure requested by [offline:fail]';
        break;
      case 'sleep':
        d.sleepMs = count(name, value, MAX_SLEEP_MS);
        break;
      case 'text':
        d.text = value ?? '';
        break;
      case 'overloaded':
        d.overloaded = count(name, value, 1e6);
        break;
      case 'ratelimit':
        d.rateLimited = count(name, value, 1e6);
        break;
      case 'drop':
        d.dropped = count(name, value, 1e6);
        break;
      case 'plan':
        if (!BROKEN.includes(value as BrokenPlan)) throw invalidRequest(`[offline:plan=…] expects one of ${BROKEN.join(', ')}`);
        d.brokenPlan = value as BrokenPlan;
        break;
      default:
        throw invalidRequest(`Unknown offline directive [offline:${name}]`);
    }
  }
  return d;
}

function count(name: string, value: string | null, max: number): number {
  const n = Number(value);
  if (value === null || value === '' || !Number.isInteger(n) || n < 0 || n > max) {
    throw invalidRequest(`[offline:${name}=N] expects an integer in 0..${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

const TOOL_NAME = /^=([A-Za-z_][\w-]{0,63})(\]| )/;

/** `=NAME]` or `=NAME {json object}]` after `[offline:tool`. */
function readTool(text: string, at: number): ToolCall {
  const m = TOOL_NAME.exec(text.slice(at, at + 70));
  if (!m) throw invalidRequest('[offline:tool=NAME {…}] expects a tool name after =');
  if (m[2] === ']') return { name: m[1], input: {} };
  const input = readJson(text, at + m[0].length - 1, 'tool');
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw invalidRequest('[offline:tool=NAME {…}] expects a JSON object as the input');
  return { name: m[1], input: input as Record<string, unknown> };
}

/** The JSON value after `=` (or a space) in `[offline:json=…]`, found by matching brackets outside strings. */
function readJson(text: string, at: number, name = 'json'): unknown {
  if (text[at] !== '=' && !(name !== 'json' && text[at] === ' ')) throw invalidRequest(`[offline:${name}=…] expects a JSON value after =`);
  let depth = 0;
  let inString = false;
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || (c === ']' && depth > 0)) depth--;
    else if (c === ']' && depth === 0) {
      try {
        return JSON.parse(text.slice(at + 1, i));
      } catch (err) {
        throw invalidRequest(`[offline:${name}=…] is not valid JSON: ${(err as Error).message}`);
      }
    }
  }
  throw invalidRequest(`Unterminated offline directive [offline:${name}=…]`);
}
