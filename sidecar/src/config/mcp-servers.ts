import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors/errors';
import { MCP_SERVER_NAME } from '../core/mcp';

/**
 * An MCP server whose tools subagents may use (DW_MCP_SERVERS). Header and environment values
 * are templates: `${NAME}` stands for the sidecar's environment variable NAME, read when the
 * server is connected, so a secret is never part of the configuration, a run or an event.
 */
export type McpServerSpec = McpHttpServerSpec | McpStdioServerSpec;

export interface McpHttpServerSpec {
  /** `http`: MCP streamable HTTP (the default); `sse`: the older HTTP+SSE transport. */
  readonly transport: 'http' | 'sse';
  readonly url: string;
  /** Sent with every request; values may hold `${NAME}` references. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface McpStdioServerSpec {
  readonly transport: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  /**
   * The child's environment besides a minimal default (PATH, HOME, …): the sidecar's own
   * environment (its token, API keys) is not passed on. Values may hold `${NAME}` references.
   */
  readonly env: Readonly<Record<string, string>>;
  /** @default the sidecar's working folder */
  readonly cwd: string | null;
}

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The environment variables a template refers to. */
export function envRefs(template: string): string[] {
  return [...template.matchAll(REF)].map((m) => m[1]);
}

/** The template with every `${NAME}` replaced by its value in `env` (a missing one is an error naming it). */
export function expandEnv(template: string, env: Readonly<Record<string, string | undefined>>, where: string): string {
  return template.replace(REF, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new ConfigError(`${where} refers to \${${name}}, which is not set in the sidecar's environment`);
    return value;
  });
}

type Env = Readonly<Record<string, string | undefined>>;

const HTTP_FIELDS = ['url', 'headers', 'transport'];
const STDIO_FIELDS = ['command', 'args', 'env', 'cwd', 'transport'];
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * DW_MCP_SERVERS: a JSON object of server name → server, or `@<file>` naming a JSON file that
 * holds one. A server is `{ "url", "headers"?, "transport"?: "http" | "sse" }` or
 * `{ "command", "args"?, "env"?, "cwd"? }`. Unset or empty defines none; anything else stops
 * the sidecar with `invalid_config`, naming the server and field (never a value).
 */
export function mcpServers(raw: string | undefined, env: Env = process.env, cwd = process.cwd()): Readonly<Record<string, McpServerSpec>> {
  if (raw === undefined || raw.trim() === '') return {};
  let text = raw;
  let source = '`DW_MCP_SERVERS`';
  if (raw.trim().startsWith('@')) {
    const file = path.resolve(cwd, raw.trim().slice(1));
    source = `\`DW_MCP_SERVERS\` (file ${file})`;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${source} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const bad = (why: string): ConfigError =>
    new ConfigError(
      `Expected ${source} to be a JSON object of MCP servers ({ "<name>": { "url", "headers"? } | { "command", "args"?, "env"? } }): ${why}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(`it is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(parsed)) throw bad(`got ${describe(parsed)}`);
  const out = Object.create(null) as Record<string, McpServerSpec>;
  for (const [name, value] of Object.entries(parsed)) {
    if (!MCP_SERVER_NAME.test(name))
      throw bad(`the name ${JSON.stringify(name)} must be 1-32 letters, digits or "-", starting with a letter or digit`);
    if (!isObject(value)) throw bad(`"${name}" must be an object, got ${describe(value)}`);
    out[name] = Object.freeze(server(name, value, bad, env));
  }
  return Object.freeze(out);
}

function server(name: string, v: Record<string, unknown>, bad: (why: string) => ConfigError, env: Env): McpServerSpec {
  const isHttp = v.url !== undefined;
  if (isHttp === (v.command !== undefined)) throw bad(`"${name}" needs either "url" (HTTP) or "command" (stdio)`);
  const unknown = Object.keys(v).filter((k) => !(isHttp ? HTTP_FIELDS : STDIO_FIELDS).includes(k));
  if (unknown.length) throw bad(`"${name}" has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
  const refsSet = (field: string, values: Record<string, string>): void => {
    for (const [k, t] of Object.entries(values))
      for (const ref of envRefs(t))
        if (env[ref] === undefined)
          throw bad(`"${name}".${field}.${k} refers to \${${ref}}, which is not set in the sidecar's environment`);
  };
  if (isHttp) {
    if (typeof v.url !== 'string') throw bad(`"${name}".url must be a string`);
    let url: URL;
    try {
      url = new URL(v.url);
    } catch {
      throw bad(`"${name}".url is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`"${name}".url must be http or https`);
    if (url.username || url.password) throw bad(`"${name}".url must not hold credentials: put them in "headers" with a \${NAME} reference`);
    const transport = v.transport ?? 'http';
    if (transport !== 'http' && transport !== 'sse') throw bad(`"${name}".transport must be "http" or "sse"`);
    const headers = stringMap(v.headers, `"${name}".headers`, bad);
    for (const h of Object.keys(headers)) if (!HEADER_NAME.test(h)) throw bad(`"${name}".headers has an invalid header name`);
    refsSet('headers', headers);
    return { transport, url: url.href, headers };
  }
  if (typeof v.command !== 'string' || v.command.trim() === '') throw bad(`"${name}".command must be a non-empty string`);
  if (v.transport !== undefined && v.transport !== 'stdio') throw bad(`"${name}".transport must be "stdio" for a command`);
  if (v.args !== undefined && !(Array.isArray(v.args) && v.args.every((a) => typeof a === 'string')))
    throw bad(`"${name}".args must be an array of strings`);
  if (v.cwd !== undefined && typeof v.cwd !== 'string') throw bad(`"${name}".cwd must be a string`);
  const childEnv = stringMap(v.env, `"${name}".env`, bad);
  refsSet('env', childEnv);
  return {
    transport: 'stdio',
    command: v.command,
    args: Object.freeze([...((v.args as string[] | undefined) ?? [])]),
    env: childEnv,
    cwd: (v.cwd as string | undefined) ?? null,
  };
}

function stringMap(v: unknown, where: string, bad: (why: string) => ConfigError): Readonly<Record<string, string>> {
  if (v === undefined) return Object.freeze({});
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw bad(`${where} must be an object of strings`);
  return Object.freeze({ ...(v as Record<string, string>) });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
