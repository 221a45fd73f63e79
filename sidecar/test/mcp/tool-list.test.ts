import { MCP_LIST_CAPS } from '../../src/core/limits';
import { keepListedTools, resultText } from '../../src/mcp';

const obj = { type: 'object', properties: {} };

describe('what of a tool list is offered to subagents', () => {
  test('tools with names the model API refuses, non-object schemas or oversized schemas are left out, with the reason', () => {
    const { tools, skipped } = keepListedTools('srv', [
      { name: 'ok', description: 'fine', inputSchema: obj },
      { name: 'has space', inputSchema: obj },
      { name: 'x'.repeat(60), inputSchema: obj },
      { name: 'arr', inputSchema: { type: 'array' } },
      { name: 'huge', inputSchema: { type: 'object', description: 'y'.repeat(MCP_LIST_CAPS.schemaBytes) } },
      { name: 'ok', description: 'a duplicate', inputSchema: obj },
      null,
      { description: 'no name' },
    ]);
    expect(tools).toEqual([{ name: 'ok', description: 'fine', inputSchema: obj }]);
    expect(skipped).toEqual([
      expect.stringContaining('"has space": mcp__srv__<name> must match'),
      expect.stringContaining('must match'),
      '"arr": its input schema is not an object schema',
      expect.stringMatching(/^"huge": its input schema is \d+ bytes \(at most 65536\)$/),
    ]);
  });

  test('at most MCP_LIST_CAPS.tools tools, descriptions cut', () => {
    const raw = Array.from({ length: MCP_LIST_CAPS.tools + 3 }, (_, i) => ({
      name: `t${i}`,
      description: 'd'.repeat(10_000),
      inputSchema: obj,
    }));
    const { tools, skipped } = keepListedTools('srv', raw);
    expect(tools).toHaveLength(MCP_LIST_CAPS.tools);
    expect(tools[0].description).toHaveLength(MCP_LIST_CAPS.description);
    expect(skipped).toHaveLength(3);
  });
});

describe('an MCP tool result as tool_result text', () => {
  test('text and text resources as they are; media as a note; structuredContent when there is no content', () => {
    expect(
      resultText({
        content: [
          { type: 'text', text: 'one' },
          { type: 'image', mimeType: 'image/png', data: 'AAAA' },
          { type: 'resource', resource: { uri: 'file:///a', text: 'two' } },
          { type: 'resource', resource: { uri: 'file:///b', mimeType: 'application/pdf', blob: 'AA' } },
          { type: 'resource_link', uri: 'https://x/y', name: 'y' },
        ],
      }),
    ).toBe(
      'one\n[image image/png, 4 base64 characters, not shown]\ntwo\n[resource file:///b (application/pdf)]\n[resource link https://x/y]',
    );
    expect(resultText({ content: [], structuredContent: { sum: 3 } })).toBe('{"sum":3}');
    expect(resultText({ toolResult: 'legacy' })).toBe('legacy');
    expect(resultText({})).toBe('');
  });
});
