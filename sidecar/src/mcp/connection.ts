import type * as ClientModule from '@modelcontextprotocol/sdk/client/index.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type * as SseModule from '@modelcontextprotocol/sdk/client/sse.js';
import type * as StdioModule from '@modelcontextprotocol/sdk/client/stdio.js';
import type * as StreamableHttpModule from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type * as TypesModule from '@modelcontextprotocol/sdk/types.js';
import { abortReason } from '../core/abort';
import { MCP_LIST_CAPS } from '../core/limits';
import { McpResultTooLargeError, McpTimeoutError, McpToolError, McpUnavailableError } from '../errors/errors';
import { expandEnv, type McpServerSpec } from '../config/mcp-servers';
import { redact } from '../providers/redact';
import { VERSION } from '../version';
import { answerTooLarge, cappedFetch } from './capped-fetch';
import { resultText } from './result';
import { keepListedTools, type ListedTools } from './tool-list';

type Env = Readonly<Record<string, string | undefined>>;

/** What the sidecar uses of the MCP SDK (client, transports, errors). */
interface McpSdk {
  readonly Client: typeof ClientModule.Client;
  readonly SSEClientTransport: typeof SseModule.SSEClientTransport;
  readonly StdioClientTransport: typeof StdioModule.StdioClientTransport;
  readonly StreamableHTTPClientTransport: typeof StreamableHttpModule.StreamableHTTPClientTransport;
  readonly McpError: typeof TypesModule.McpError;
  readonly ErrorCode: typeof TypesModule.ErrorCode;
}

let loadedSdk: McpSdk | null = null;

/**
 * The MCP SDK, loaded by the first connection: a sidecar whose runs use no MCP tool never loads it
 * (with zod and the transports' dependencies, about 25 MB of memory).
 */
function mcpSdk(): McpSdk {
  if (!loadedSdk) {
    const load = <T>(path: string): T => module.require(`@modelcontextprotocol/sdk/${path}`) as T;
    const { McpError, ErrorCode } = load<typeof TypesModule>('types.js');
    loadedSdk = {
      Client: load<typeof ClientModule>('client/index.js').Client,
      SSEClientTransport: load<typeof SseModule>('client/sse.js').SSEClientTransport,
      StdioClientTransport: load<typeof StdioModule>('client/stdio.js').StdioClientTransport,
      StreamableHTTPClientTransport: load<typeof StreamableHttpModule>('client/streamableHttp.js').StreamableHTTPClientTransport,
      McpError,
      ErrorCode,
    };
  }
  return loadedSdk;
}

/** The SDK's "request timed out" error (only a connection, which has loaded the SDK, asks). */
function isTimeout(err: unknown): boolean {
  const { McpError, ErrorCode } = mcpSdk();
  return err instanceof McpError && err.code === ErrorCode.RequestTimeout;
}

export interface McpConnectionOptions {
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly maxResultBytes: number;
  /** Where `${NAME}` references are read. @default process.env */
  readonly env?: Env;
}

/**
 * One connection to one MCP server through the official SDK client. Every error it throws is a
 * named DwError whose message has the server's resolved secrets (headers, child environment) masked.
 */
export class McpConnection {
  private closedFlag = false;

  private constructor(
    readonly server: string,
    private readonly client: Client,
    private readonly secrets: readonly string[],
    private readonly options: McpConnectionOptions,
  ) {
    client.onclose = () => {
      this.closedFlag = true;
    };
    // Transport errors also reject the request they belong to; here they only mark nothing.
    client.onerror = () => undefined;
  }

  /** The transport closed (the server exited or dropped the session): a new connection is needed. */
  get closed(): boolean {
    return this.closedFlag;
  }

  static async open(server: string, spec: McpServerSpec, options: McpConnectionOptions, signal?: AbortSignal): Promise<McpConnection> {
    const env = options.env ?? process.env;
    let made: ReturnType<typeof transportFor>;
    try {
      made = transportFor(server, spec, env, options.maxResultBytes);
    } catch (err) {
      throw new McpUnavailableError(server, err instanceof Error ? err.message : String(err));
    }
    const { transport, secrets } = made;
    const client = new (mcpSdk().Client)({ name: 'dynamic-workflows-sidecar', version: VERSION }, { capabilities: {} });
    try {
      await client.connect(transport, { timeout: options.connectTimeoutMs, ...(signal ? { signal } : {}) });
    } catch (err) {
      await client.close().catch(() => undefined);
      if (signal?.aborted) throw abortReason(signal);
      throw new McpUnavailableError(server, describe(err, secrets, `connecting took longer than ${options.connectTimeoutMs} ms`));
    }
    return new McpConnection(server, client, secrets, options);
  }

  /** The server's tools (every page, up to the caps), as they will be offered to subagents. */
  async listTools(signal?: AbortSignal): Promise<ListedTools> {
    const raw: unknown[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MCP_LIST_CAPS.pages; page++) {
        const res = await this.client.listTools(cursor ? { cursor } : {}, {
          timeout: this.options.connectTimeoutMs,
          ...(signal ? { signal } : {}),
        });
        raw.push(...res.tools);
        cursor = res.nextCursor;
        if (!cursor) break;
      }
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      throw new McpUnavailableError(
        this.server,
        `listing its tools failed: ${describe(err, this.secrets, `no answer within ${this.options.connectTimeoutMs} ms`)}`,
      );
    }
    return keepListedTools(this.server, raw);
  }

  /** Calls the server's tool `tool`; the text for the tool_result, or a named error for the subagent. */
  async call(fullName: string, tool: string, input: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const ms = this.options.callTimeoutMs;
    let result: Awaited<ReturnType<Client['callTool']>>;
    try {
      result = await this.client.callTool({ name: tool, arguments: input }, undefined, {
        timeout: ms,
        maxTotalTimeout: ms,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      if (isTimeout(err)) throw new McpTimeoutError(fullName, ms);
      const cut = answerTooLarge(err);
      if (cut) throw new McpResultTooLargeError(fullName, cut.maxBytes, this.options.maxResultBytes, true);
      if (this.closedFlag)
        throw new McpUnavailableError(this.server, `the connection closed during the call (${describe(err, this.secrets, '')})`);
      throw new McpToolError(fullName, describe(err, this.secrets, 'no answer'));
    }
    const text = resultText(result);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (result.isError === true)
      throw new McpToolError(fullName, redact(text.slice(0, 4_000), this.secrets) || 'the tool reported an error');
    if (bytes > this.options.maxResultBytes) throw new McpResultTooLargeError(fullName, bytes, this.options.maxResultBytes);
    return text;
  }

  async close(): Promise<void> {
    this.closedFlag = true;
    await this.client.close().catch(() => undefined);
  }
}

/**
 * Largest HTTP answer read from a server: room for the largest tool list the caps keep
 * (MCP_LIST_CAPS) and for a result a little over DW_MCP_MAX_RESULT_BYTES, which is then refused
 * by name (`mcp_result_too_large`) rather than cut off as a read error.
 */
export function maxAnswerBytes(maxResultBytes: number): number {
  const list = MCP_LIST_CAPS.tools * (MCP_LIST_CAPS.schemaBytes + MCP_LIST_CAPS.description * 4);
  return Math.max(list, 2 * maxResultBytes) + 1_048_576;
}

function transportFor(server: string, spec: McpServerSpec, env: Env, maxResultBytes: number): { transport: Transport; secrets: string[] } {
  const where = `DW_MCP_SERVERS "${server}"`;
  const { SSEClientTransport, StdioClientTransport, StreamableHTTPClientTransport } = mcpSdk();
  if (spec.transport === 'stdio') {
    const childEnv = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, expandEnv(v, env, `${where}.env.${k}`)]));
    const transport = new StdioClientTransport({
      command: spec.command,
      args: [...spec.args],
      env: childEnv,
      ...(spec.cwd !== null ? { cwd: spec.cwd } : {}),
      // The child's diagnostics are its own; on the sidecar's stderr they would mix with its log.
      stderr: 'ignore',
    });
    return { transport, secrets: Object.values(childEnv) };
  }
  const headers = Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k, expandEnv(v, env, `${where}.headers.${k}`)]));
  const url = new URL(spec.url);
  // Redirects stay within the server's origin (the SDK's default), so the headers go nowhere else.
  const opts = { requestInit: { headers }, fetch: cappedFetch(maxAnswerBytes(maxResultBytes)), redirectPolicy: 'same-origin' as const };
  const transport = spec.transport === 'sse' ? new SSEClientTransport(url, opts) : new StreamableHTTPClientTransport(url, opts);
  return { transport, secrets: Object.values(headers) };
}

function describe(err: unknown, secrets: readonly string[], timeoutText: string): string {
  if (isTimeout(err)) return timeoutText;
  const msg = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return redact(`${msg}${cause}`.slice(0, 2_000), secrets);
}
