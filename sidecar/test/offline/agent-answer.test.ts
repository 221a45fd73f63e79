import type Anthropic from '@anthropic-ai/sdk';
import Ajv from 'ajv';
import { toolDefinitionsFor } from '../../src/tools';
import { GREP, LIST_FILES, MODEL, READ_FILE, startOffline, textOf, toolUses, type Running } from './helpers';

const ajv = new Ajv({ allErrors: true, strict: false });

const FINDINGS = {
  type: 'object',
  properties: {
    findings: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          file: { type: 'string' },
          line: { type: 'integer', minimum: 1 },
          severity: { type: 'string', enum: ['low', 'medium', 'high'] },
          issue: { type: 'string' },
        },
        required: ['file', 'line', 'severity', 'issue'],
        additionalProperties: false,
      },
    },
  },
  required: ['findings'],
  additionalProperties: false,
};
const STRUCTURED: Anthropic.Tool = {
  name: 'StructuredOutput',
  description: 'Give your final answer.',
  input_schema: FINDINGS as Anthropic.Tool.InputSchema,
};

let off: Running;
beforeAll(async () => {
  off = await startOffline();
});
afterAll(async () => {
  await off.server.close();
});

const create = (p: Partial<Anthropic.MessageCreateParamsNonStreaming> & Pick<Anthropic.MessageCreateParamsNonStreaming, 'messages'>) =>
  off.client.messages.create({ model: MODEL, max_tokens: 1024, ...p });

describe('StructuredOutput', () => {
  test('a forced StructuredOutput answer validates against its schema, for many prompts', async () => {
    const validate = ajv.compile(FINDINGS);
    for (let i = 0; i < 8; i++) {
      const msg = await create({
        messages: [{ role: 'user', content: `Find bugs, variant ${i}` }],
        tools: [STRUCTURED],
        tool_choice: { type: 'tool', name: 'StructuredOutput' },
      });
      const [use] = toolUses(msg);
      expect(msg.stop_reason).toBe('tool_use');
      expect(use.name).toBe('StructuredOutput');
      if (!validate(use.input)) throw new Error(ajv.errorsText(validate.errors));
    }
  });

  test('with other tools offered (tool_choice any), it reads the named file first, then answers through StructuredOutput citing it', async () => {
    const prompt = 'Find security bugs in src/auth.ts';
    const tools = [READ_FILE, GREP, STRUCTURED];
    const first = await create({ messages: [{ role: 'user', content: prompt }], tools, tool_choice: { type: 'any' } });
    const [read] = toolUses(first);
    expect(read).toMatchObject({ name: 'read_file', input: { path: 'src/auth.ts' } });
    const second = await create({
      tools,
      tool_choice: { type: 'any' },
      messages: [
        { role: 'user', content: prompt },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: read.id, content: 'export function login() {}' }] },
      ],
    });
    const [answer] = toolUses(second);
    expect(answer.name).toBe('StructuredOutput');
    expect(ajv.validate(FINDINGS, answer.input)).toBe(true);
    // Free text cites what the tool returned, as a model quotes the code it read.
    expect(JSON.stringify(answer.input)).toContain('export function login() {}');
  });

  test('[offline:json=…] is returned exactly as the StructuredOutput input', async () => {
    const msg = await create({
      messages: [{ role: 'user', content: 'Check a.ts [offline:json={"findings":[],"note":"]"}]' }],
      tools: [READ_FILE, STRUCTURED],
      tool_choice: { type: 'any' },
    });
    expect(toolUses(msg)[0]).toMatchObject({ name: 'StructuredOutput', input: { findings: [], note: ']' } });
  });

  test('output_config json_schema answers JSON text that validates', async () => {
    const msg = await off.client.messages.create({
      model: MODEL,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'List findings' }],
      output_config: { format: { type: 'json_schema', schema: FINDINGS } },
    });
    expect(ajv.validate(FINDINGS, JSON.parse(textOf(msg)))).toBe(true);
  });
});

describe('tool use, then text', () => {
  test('a prompt naming a file gets one read_file call; the follow-up quotes the tool result', async () => {
    const prompt = 'Summarise README.md in two sentences';
    const first = await create({ messages: [{ role: 'user', content: prompt }], tools: [READ_FILE, LIST_FILES] });
    expect(first.stop_reason).toBe('tool_use');
    const [use] = toolUses(first);
    expect(use).toMatchObject({ name: 'read_file', input: { path: 'README.md' } });
    const second = await create({
      tools: [READ_FILE, LIST_FILES],
      messages: [
        { role: 'user', content: prompt },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '# Dynamic workflows\nRun many agents at once.' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(toolUses(second)).toHaveLength(0);
    expect(textOf(second)).toContain('# Dynamic workflows');
    expect(textOf(second)).toContain('read_file on README.md');
  });

  test('[offline:tool=NAME {json}] calls that tool with that input once, then quotes its result', async () => {
    const prompt = 'Look at it [offline:tool=grep {"pattern":"*?*?#","path":"."}]';
    const first = await create({ messages: [{ role: 'user', content: prompt }], tools: [READ_FILE, GREP] });
    expect(first.stop_reason).toBe('tool_use');
    const [use] = toolUses(first);
    expect(use).toMatchObject({ name: 'grep', input: { pattern: '*?*?#', path: '.' } });
    const second = await create({
      tools: [READ_FILE, GREP],
      messages: [
        { role: 'user', content: prompt },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: use.id, is_error: true, content: 'validation_error: pattern too complex' }],
        },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(textOf(second)).toContain('grep on . failed: "validation_error: pattern too complex"');
    expect(textOf(second)).not.toContain('[offline:');
  });

  test('a tool error is reported as such', async () => {
    const second = await create({
      tools: [READ_FILE],
      messages: [
        { role: 'user', content: 'Read secret.txt' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'secret.txt' } }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: 'workspace_denied: outside the workspace' }],
        },
      ],
    });
    expect(textOf(second)).toMatch(/failed: "workspace_denied: outside the workspace"/);
  });

  test('listing and searching prompts pick list_files and grep', async () => {
    const list = await create({ messages: [{ role: 'user', content: 'What is in the workspace?' }], tools: [READ_FILE, LIST_FILES, GREP] });
    expect(toolUses(list)[0]).toMatchObject({ name: 'list_files', input: { path: '.' } });
    const grep = await create({
      messages: [{ role: 'user', content: 'Search for "verifyToken" usages' }],
      tools: [READ_FILE, LIST_FILES, GREP],
    });
    expect(toolUses(grep)[0]).toMatchObject({ name: 'grep', input: { pattern: 'verifyToken' } });
  });

  test("tool inputs validate against the real built-in tools' schemas", async () => {
    const tools = toolDefinitionsFor(['read_file', 'list_files', 'grep', 'write_file', 'http_get']);
    const prompts: Record<string, string> = {
      read_file: 'Explain src/app.ts',
      list_files: 'List the files of the repository',
      grep: 'Search for "TODO" comments',
      write_file: 'Write a summary to notes/summary.md',
      http_get: 'Fetch https://example.com/status and report',
    };
    for (const [name, prompt] of Object.entries(prompts)) {
      const [use] = toolUses(await create({ messages: [{ role: 'user', content: prompt }], tools }));
      expect(use.name).toBe(name);
      const schema = tools.find((t) => t.name === name)?.input_schema;
      if (!ajv.validate(schema as object, use.input))
        throw new Error(`${name}: ${ajv.errorsText(ajv.errors)} ${JSON.stringify(use.input)}`);
    }
  });

  test('without a file, URL or search in the prompt the answer is text about the task', async () => {
    const msg = await create({ messages: [{ role: 'user', content: 'Give one reason to cache prompts' }], tools: [READ_FILE] });
    expect(msg.stop_reason).toBe('end_turn');
    expect(textOf(msg)).toContain('Give one reason to cache prompts');
  });

  test('tool_choice none answers text even when a file is named', async () => {
    const msg = await create({
      messages: [{ role: 'user', content: 'Summarise a.ts' }],
      tools: [READ_FILE],
      tool_choice: { type: 'none' },
    });
    expect(toolUses(msg)).toHaveLength(0);
  });

  test('a forced tool other than StructuredOutput is called with input from the prompt', async () => {
    const msg = await create({
      messages: [{ role: 'user', content: 'Look at lib/x.js' }],
      tools: [READ_FILE, GREP],
      tool_choice: { type: 'tool', name: 'grep' },
    });
    expect(toolUses(msg)[0]).toMatchObject({ name: 'grep', input: { path: 'lib/x.js' } });
  });
});

describe('text answers', () => {
  test('[offline:text=…] returns exactly that text, and skips tools', async () => {
    const msg = await create({ messages: [{ role: 'user', content: 'Read a.ts [offline:text=forty-two]' }], tools: [READ_FILE] });
    expect(msg.content).toEqual([{ type: 'text', text: 'forty-two' }]);
  });

  test('an answer that quotes the prompt does not pass its directives on', async () => {
    const msg = await create({ messages: [{ role: 'user', content: 'Explain caching [offline:sleep=1]' }] });
    expect(textOf(msg)).not.toContain('[offline:');
  });

  test('max_tokens cuts the answer and says so', async () => {
    const msg = await create({ max_tokens: 3, messages: [{ role: 'user', content: 'Explain everything about prompt caching in detail' }] });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.usage.output_tokens).toBe(3);
    expect(textOf(msg).length).toBeLessThanOrEqual(12);
  });
});
