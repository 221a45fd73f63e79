import { agentTypes, loadConfig } from '../../src/config/config';
import { ConfigError } from '../../src/errors/errors';

const load = (DW_AGENT_TYPES?: string) =>
  loadConfig({ DW_DEV: '1', DW_PROVIDER: 'offline', ...(DW_AGENT_TYPES === undefined ? {} : { DW_AGENT_TYPES }) }, '/tmp');

function refused(raw: string): ConfigError {
  try {
    load(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('invalid_config');
    expect((e as ConfigError).message).toMatch(/^Expected `DW_AGENT_TYPES` to be a JSON object of agent types/);
    return e as ConfigError;
  }
  throw new Error(`DW_AGENT_TYPES=${raw} was accepted`);
}

describe('DW_AGENT_TYPES', () => {
  it('unset or empty defines no types (general-purpose is built in)', () => {
    expect(load().agentTypes).toEqual({});
    expect(load('').agentTypes).toEqual({});
    expect(load('  ').agentTypes).toEqual({});
  });

  it('reads each profile: system, tools (deduplicated), model; every field optional', () => {
    const types = load(
      JSON.stringify({
        'code-reviewer': { system: 'You review code.', tools: ['read_file', 'grep', 'read_file'], model: 'opus' },
        researcher: { tools: [] },
        constructor: {},
      }),
    ).agentTypes;
    expect({ ...types }).toEqual({
      'code-reviewer': { system: 'You review code.', tools: ['read_file', 'grep'], model: 'opus' },
      researcher: { tools: [] },
      constructor: {},
    });
    expect(Object.isFrozen(types)).toBe(true);
    // A name like an Object.prototype member is only a name.
    expect(Object.hasOwn(agentTypes('{}'), 'constructor')).toBe(false);
    expect(Object.hasOwn(agentTypes('{}'), 'toString')).toBe(false);
  });

  it.each([
    ['{', /it is not JSON/],
    ['[]', /got an array/],
    ['"reviewer"', /got a string/],
    ['null', /got null/],
    ['{"general-purpose":{}}', /"general-purpose" is built in and cannot be redefined/],
    ['{"":{}}', /the name "" must be 1-100 letters/],
    ['{"has space":{}}', /the name "has space" must be/],
    ['{"r":"You review"}', /"r" must be an object, got a string/],
    ['{"r":{"prompt":"x"}}', /"r" has unknown field "prompt"/],
    ['{"r":{"system":""}}', /"r".system must be a non-empty string/],
    ['{"r":{"system":3}}', /"r".system must be a non-empty string/],
    ['{"r":{"tools":"read_file"}}', /"r".tools must be an array of tool names/],
    [
      '{"r":{"tools":["read_file","bash"]}}',
      /"r".tools names unknown tools "bash" \(tools: read_file, list_files, grep, write_file, http_get, or mcp__<server>__<tool> of a server in DW_MCP_SERVERS\)/,
    ],
    ['{"r":{"model":""}}', /"r".model must be a non-empty string/],
  ])('%s stops the sidecar with invalid_config: %s', (raw, why) => {
    expect(refused(raw).message).toMatch(why);
  });
});
