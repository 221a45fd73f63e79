import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { expandEnv, mcpServers } from '../../src/config/mcp-servers';
import { isToolAllowed, parseMcpToolName } from '../../src/core/mcp';

const parse = (value: unknown, env: Record<string, string> = {}) => mcpServers(JSON.stringify(value), env);

describe('DW_MCP_SERVERS', () => {
  test('unset or empty defines no server', () => {
    expect(mcpServers(undefined)).toEqual({});
    expect(mcpServers('  ')).toEqual({});
    expect(loadConfig({ DW_DEV: '1' }).mcpServers).toEqual({});
  });

  test('reads HTTP, SSE and command servers with their defaults; ${NAME} references stay unexpanded', () => {
    const servers = parse(
      {
        n8n: { url: 'http://127.0.0.1:5678/mcp/tools', headers: { Authorization: 'Bearer ${N8N_MCP_TOKEN}' } },
        old: { url: 'https://mcp.example.com/sse', transport: 'sse' },
        'local-fs': { command: 'npx', args: ['-y', 'some-mcp-server'], env: { API_KEY: '${LOCAL_KEY}' } },
      },
      { N8N_MCP_TOKEN: 'secret-one', LOCAL_KEY: 'secret-two' },
    );
    expect(servers).toEqual({
      n8n: { transport: 'http', url: 'http://127.0.0.1:5678/mcp/tools', headers: { Authorization: 'Bearer ${N8N_MCP_TOKEN}' } },
      old: { transport: 'sse', url: 'https://mcp.example.com/sse', headers: {} },
      'local-fs': { transport: 'stdio', command: 'npx', args: ['-y', 'some-mcp-server'], env: { API_KEY: '${LOCAL_KEY}' }, cwd: null },
    });
    expect(JSON.stringify(servers)).not.toContain('secret');
  });

  test('@<file> reads the servers from a JSON file, relative to the working folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-mcp-config-'));
    fs.writeFileSync(path.join(dir, 'mcp.json'), JSON.stringify({ calc: { url: 'http://localhost:1/mcp' } }));
    expect(Object.keys(mcpServers('@mcp.json', {}, dir))).toEqual(['calc']);
    expect(() => mcpServers('@missing.json', {}, dir)).toThrow(/DW_MCP_SERVERS.*file .*missing\.json.* cannot be read: ENOENT/);
  });

  test.each([
    ['not JSON', '{', /it is not JSON/],
    ['an array', '[]', /got an array/],
    ['a bad server name', JSON.stringify({ a__b: { url: 'http://x/' } }), /the name "a__b" must be 1-32 letters, digits or "-"/],
    [
      'both url and command',
      JSON.stringify({ s: { url: 'http://x/', command: 'y' } }),
      /"s" needs either "url" \(HTTP\) or "command" \(stdio\)/,
    ],
    ['an unknown field', JSON.stringify({ s: { url: 'http://x/', timeout: 1 } }), /"s" has unknown field "timeout"/],
    ['a non-http URL', JSON.stringify({ s: { url: 'file:///etc/passwd' } }), /"s".url must be http or https/],
    ['credentials in the URL', JSON.stringify({ s: { url: 'http://u:p@x/' } }), /must not hold credentials/],
    ['a bad transport', JSON.stringify({ s: { url: 'http://x/', transport: 'ws' } }), /"s".transport must be "http" or "sse"/],
    ['non-string headers', JSON.stringify({ s: { url: 'http://x/', headers: { a: 1 } } }), /"s".headers must be an object of strings/],
    ['non-string args', JSON.stringify({ s: { command: 'x', args: [1] } }), /"s".args must be an array of strings/],
    [
      'an unset variable',
      JSON.stringify({ s: { url: 'http://x/', headers: { A: 'Bearer ${NOPE}' } } }),
      /"s".headers.A refers to \$\{NOPE\}, which is not set/,
    ],
  ])('refuses %s with invalid_config', (_, raw, message) => {
    let err: unknown;
    try {
      mcpServers(raw, {});
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid_config', message: expect.stringMatching(message) });
  });

  test('the sidecar configuration holds the servers and the MCP limits; agent types may name MCP tools', () => {
    const config = loadConfig({
      DW_DEV: '1',
      DW_MCP_SERVERS: JSON.stringify({ calc: { url: 'http://127.0.0.1:1/mcp' } }),
      DW_MCP_CALL_TIMEOUT_MS: '1500',
      DW_AGENT_TYPES: JSON.stringify({ adder: { tools: ['mcp__calc__add', 'mcp__calc__*', 'read_file'] } }),
    });
    expect(Object.keys(config.mcpServers)).toEqual(['calc']);
    expect(config).toMatchObject({ mcpCallTimeoutMs: 1500, mcpConnectTimeoutMs: 15_000, mcpMaxResultBytes: 262_144 });
    expect(config.agentTypes.adder.tools).toEqual(['mcp__calc__add', 'mcp__calc__*', 'read_file']);
    expect(() => loadConfig({ DW_DEV: '1', DW_AGENT_TYPES: JSON.stringify({ adder: { tools: ['mcp__calc__add'] } }) })).toThrow(
      /unknown tools "mcp__calc__add"/,
    );
    expect(() => loadConfig({ DW_DEV: '1', DW_MCP_CALL_TIMEOUT_MS: '5' })).toThrow(/DW_MCP_CALL_TIMEOUT_MS/);
  });

  test('expandEnv replaces references and names a missing one, never a value', () => {
    expect(expandEnv('Bearer ${T}', { T: 'abc' }, 'x')).toBe('Bearer abc');
    expect(() => expandEnv('${A}${B}', { A: 'secret-a' }, 'DW_MCP_SERVERS "s".headers.X')).toThrow(
      'DW_MCP_SERVERS "s".headers.X refers to ${B}, which is not set in the sidecar\'s environment',
    );
  });
});

describe('MCP tool names', () => {
  test('mcp__<server>__<tool> splits at the first __ after the server; invalid names are not MCP names', () => {
    expect(parseMcpToolName('mcp__calc__add')).toEqual({ server: 'calc', tool: 'add' });
    expect(parseMcpToolName('mcp__calc__*')).toEqual({ server: 'calc', tool: '*' });
    expect(parseMcpToolName('mcp__n8n-tools__a__b')).toEqual({ server: 'n8n-tools', tool: 'a__b' });
    for (const bad of [
      'read_file',
      'mcp__',
      'mcp__calc',
      'mcp__calc__',
      'mcp____add',
      'mcp__calc__bad name',
      `mcp__calc__${'x'.repeat(60)}`,
    ])
      expect(parseMcpToolName(bad)).toBeNull();
  });

  test('the allowlist admits exact names, and every tool of a server given whole', () => {
    expect(isToolAllowed('mcp__calc__add', ['mcp__calc__add'])).toBe(true);
    expect(isToolAllowed('mcp__calc__sub', ['mcp__calc__add'])).toBe(false);
    expect(isToolAllowed('mcp__calc__sub', ['mcp__calc__*'])).toBe(true);
    expect(isToolAllowed('mcp__calc__*', ['mcp__calc__*'])).toBe(true);
    expect(isToolAllowed('mcp__calc__*', ['mcp__calc__add'])).toBe(false);
    expect(isToolAllowed('mcp__other__add', ['mcp__calc__*'])).toBe(false);
    expect(isToolAllowed('read_file', ['mcp__calc__*'])).toBe(false);
  });
});
