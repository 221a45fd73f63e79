import type { Answer, AnswerInput, AnswerKind } from './answer-types';
import { excerpt, filesIn, searchTermIn, stripDirectives, topicOf, urlIn } from './prompt-text';
import type { SeededRandom } from './random';
import { valueForSchema, type ValueContext } from './schema-value';
import { promptKey, toolResultText, type MessagesRequest, type WireBlock, type WireTool } from './wire';

/** The forced answer tool of `schema` agents (sidecar/src/agents/structured-output.ts). */
export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

/**
 * A subagent's turn. In order: a forced tool is called; `[offline:json]` answers at once;
 * `[offline:tool=…]` makes its call once;
 * on the first turn a prompt that names a file, a URL, a search or a listing gets one call
 * of the fitting tool; a StructuredOutput tool is answered with a value made from its
 * schema; otherwise text (the `[offline:text]` text, JSON for `output_config`, a reply that
 * quotes the tool result, or a short answer about the task).
 */
export function answerAgent({ req, directives, rnd, idPrefix }: AnswerInput): Answer {
  const prompt = promptKey(req);
  const ctx: ValueContext = { rnd: rnd.fork('value'), topic: topicOf(prompt, 60), files: filesIn(prompt), evidence: evidenceIn(req) };
  const choice = req.toolChoice;
  const structured = req.tools.find((t) => t.name === STRUCTURED_OUTPUT_TOOL) ?? null;

  if (choice.type !== 'none') {
    const forced = choice.type === 'tool' ? req.tools.find((t) => t.name === choice.name) : undefined;
    if (forced && forced !== structured) return toolUse('tool_use', forced, inputFor(forced, prompt, ctx), idPrefix);
    if (structured && directives.json) return toolUse('structured', structured, directives.json.value, idPrefix);
    if (!forced && directives.tool && !hasToolResult(req)) {
      return {
        kind: 'tool_use',
        content: [{ type: 'tool_use', id: `${idPrefix}0`, name: directives.tool.name, input: directives.tool.input }],
        stopReason: 'tool_use',
      };
    }
    if (!forced && directives.text === null && !hasToolResult(req)) {
      const action = chooseAction(
        prompt,
        req.tools.filter((t) => t !== structured),
      );
      if (action) return toolUse('tool_use', action, inputFor(action, prompt, ctx), idPrefix);
    }
    if (structured) return toolUse('structured', structured, valueForSchema(structured.input_schema, ctx), idPrefix);
    if (choice.type === 'any') return toolUse('tool_use', req.tools[0], inputFor(req.tools[0], prompt, ctx), idPrefix);
  }

  if (directives.text !== null) return text('text', directives.text);
  if (req.jsonSchema) return text('json', JSON.stringify(directives.json ? directives.json.value : valueForSchema(req.jsonSchema, ctx)));
  const followup = toolFollowup(req, rnd, ctx.topic);
  if (followup !== null) return text('tool_followup', followup);
  return text('text', plainAnswer(rnd, topicOf(prompt)));
}

const text = (kind: AnswerKind, value: string): Answer => ({ kind, content: [{ type: 'text', text: value }], stopReason: 'end_turn' });

const toolUse = (kind: AnswerKind, tool: WireTool, input: unknown, idPrefix: string): Answer => ({
  kind,
  content: [{ type: 'tool_use', id: `${idPrefix}0`, name: tool.name, input }],
  stopReason: 'tool_use',
});

/** Non-trivial lines of successful tool results, cut to a quotable length. */
function evidenceIn(req: MessagesRequest): string[] {
  const lines: string[] = [];
  for (const m of req.messages) {
    for (const b of m.content) {
      if (b.type !== 'tool_result' || b.is_error === true) continue;
      for (const line of toolResultText(b).split('\n')) {
        const t = stripDirectives(line).trim();
        if (t.length >= 8 && lines.length < 50) lines.push(t.length > 80 ? `${t.slice(0, 80)}…` : t);
      }
    }
  }
  return lines;
}

const hasToolResult = (req: MessagesRequest): boolean => req.messages.some((m) => m.content.some((b) => b.type === 'tool_result'));

/** The one tool a careful model would reach for first, judged from the task alone. */
function chooseAction(prompt: string, tools: readonly WireTool[]): WireTool | null {
  const tool = (name: string): WireTool | undefined => tools.find((t) => t.name === name);
  const files = filesIn(prompt);
  const byName = tools.find((t) => new RegExp(`\\b${t.name.replace(/[^\w]/g, '\\$&')}\\b`).test(prompt));
  const candidates: (WireTool | false | undefined)[] = [
    files.length > 0 && /\b(write|create|save)\b/i.test(prompt) && tool('write_file'),
    files.length > 0 && tool('read_file'),
    /\b(grep|search(?:es)? for|occurrences?|usages?|references? to)\b/i.test(prompt) && tool('grep'),
    urlIn(prompt) !== null && tool('http_get'),
    /\b(list|files|folders?|director(?:y|ies)|workspace|repo(?:sitory)?|codebase)\b/i.test(prompt) && tool('list_files'),
    byName,
  ];
  return candidates.find((c): c is WireTool => Boolean(c)) ?? null;
}

/**
 * Input for a tool as a model writes it: the required fields only (a value from the schema),
 * with the ones a model fills from the prompt (path, pattern, url, content) taken from the
 * prompt, whatever the tool module names them. Optional filters are left out, since a
 * made-up glob or line range would hide what the tool should find.
 */
function inputFor(tool: WireTool, prompt: string, ctx: ValueContext): Record<string, unknown> {
  const schema = tool.input_schema;
  const props: Record<string, unknown> =
    schema.properties !== null && typeof schema.properties === 'object' ? { ...(schema.properties as Record<string, unknown>) } : {};
  const declared = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const required = declared.length > 0 || Object.keys(props).length > 0 ? declared : (DEFAULT_KEYS[tool.name] ?? []);
  const minimal = {
    ...schema,
    type: 'object',
    properties: Object.fromEntries(Object.entries(props).filter(([k]) => required.includes(k))),
    required,
  };
  const generated = valueForSchema(minimal, ctx);
  const input: Record<string, unknown> =
    generated !== null && typeof generated === 'object' && !Array.isArray(generated) ? { ...generated } : {};
  const files = filesIn(prompt);
  const target = tool.name === 'list_files' ? '.' : (files[0] ?? '.');
  for (const key of new Set([...Object.keys(props), ...required])) {
    const needed = required.includes(key);
    if (/^(path|file|file_?path|filename|dir|directory)$/i.test(key)) input[key] = target;
    else if (needed && /^(pattern|query|regex|search|term)$/i.test(key)) input[key] = searchTermIn(prompt);
    else if (/^(url|uri|href)$/i.test(key)) input[key] = urlIn(prompt) ?? 'https://example.com/';
    else if (needed && /^(content|contents|text|data|body)$/i.test(key)) input[key] = `Written by the offline model for: ${ctx.topic}\n`;
  }
  return input;
}

const DEFAULT_KEYS: Readonly<Record<string, readonly string[]>> = {
  read_file: ['path'],
  list_files: ['path'],
  grep: ['pattern', 'path'],
  write_file: ['path', 'content'],
  http_get: ['url'],
};

/** A reply to the tool results in the last user message, quoting what they returned. */
function toolFollowup(req: MessagesRequest, rnd: SeededRandom, topic: string): string | null {
  const last = req.messages[req.messages.length - 1];
  const results = last.role === 'user' ? last.content.filter((b) => b.type === 'tool_result') : [];
  if (results.length === 0) return null;
  const uses = new Map<string, WireBlock>();
  for (const m of req.messages) for (const b of m.content) if (b.type === 'tool_use' && typeof b.id === 'string') uses.set(b.id, b);
  const lines = results.map((r) => {
    const use = uses.get(String(r.tool_use_id));
    const name = typeof use?.name === 'string' ? use.name : 'the tool';
    const input = use?.input !== null && typeof use?.input === 'object' ? (use.input as Record<string, unknown>) : {};
    const target = [input.path, input.file, input.pattern, input.url].find((v) => typeof v === 'string');
    const body = toolResultText(r);
    const on = target !== undefined ? ` on ${String(target)}` : '';
    if (r.is_error === true) return `Calling ${name}${on} failed: "${excerpt(body, 160)}".`;
    const count = body === '' ? 0 : body.split('\n').length;
    return `I called ${name}${on}; it returned ${count} line${count === 1 ? '' : 's'}, beginning:\n"${excerpt(body, 200)}"`;
  });
  return `${lines.join('\n')}\n\nBased on that, for "${topic}": ${rnd.pick(CLAIMS)}`;
}

const OPENERS = ['Here is my answer.', 'Short answer first.', 'Done.', 'My findings, briefly.', 'I looked into it.'];
const CLAIMS = [
  'the direct approach works, provided the inputs are validated first.',
  'three factors matter most: scope, cost and risk, in that order.',
  'the evidence points one way, with two caveats worth checking.',
  'there is no blocking issue; the remaining risks are minor and known.',
  'the key step is to handle the edge cases explicitly rather than by default.',
  'it holds in the common case but needs a guard for empty input.',
];
const CLOSERS = ['Confidence: medium.', 'Confidence: high.', 'A second look at the edge cases would help.', 'Nothing else stands out.'];

function plainAnswer(rnd: SeededRandom, topic: string): string {
  return `${rnd.pick(OPENERS)} On "${topic}": ${rnd.pick(CLAIMS)} ${rnd.pick(CLOSERS)}`;
}
