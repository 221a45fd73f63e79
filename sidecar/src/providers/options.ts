import type { AuthClient } from 'google-auth-library';
import { ConfigError } from '../errors/errors';
import { requireModule, type ModuleLoader } from './optional-sdk';

/** Environment the providers read (process.env in production, a plain object in tests). */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

/** How a provider's SDK client is built; everything else comes from the provider's own variables. */
export interface ProviderOptions {
  /**
   * fetch the SDK client uses (tests inject one that records requests).
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * Base URL of the API. Required for `offline` (the engine's offline model server);
   * for the other providers it overrides their own base-URL variable.
   * @default the provider's endpoint
   */
  readonly baseURL?: string;
  /**
   * Time one HTTP request may take, started when the request is sent (not when the engine
   * queues the call). Set explicitly so that large `max_tokens` never trips the SDK's
   * "streaming required" guard.
   * @default 600_000
   */
  readonly timeoutMs?: number;
  /**
   * Google credentials for `vertex` (tests, or anything other than Application Default Credentials).
   * @default Application Default Credentials
   */
  readonly googleAuthClient?: AuthClient;
  /**
   * Loads the optional SDK of `bedrock`, `vertex` or `foundry` by package name (tests
   * simulate a package that is not installed).
   * @default Node's require
   */
  readonly loadModule?: ModuleLoader;
}

export interface ResolvedProviderOptions {
  readonly fetch: typeof fetch | undefined;
  readonly baseURL: string | undefined;
  readonly timeoutMs: number;
  readonly googleAuthClient: AuthClient | undefined;
  readonly loadModule: ModuleLoader;
}

const MAX_TIMEOUT_MS = 3_600_000;

function checkUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`Expected \`${name}\` to be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`Expected \`${name}\` to be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveProviderOptions(opts: ProviderOptions = {}): ResolvedProviderOptions {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigError(`Expected \`timeoutMs\` to be an integer in 1..${MAX_TIMEOUT_MS}, got ${String(opts.timeoutMs)}`);
  }
  if (opts.fetch !== undefined && typeof opts.fetch !== 'function') {
    throw new ConfigError('Expected `fetch` to be a function');
  }
  if (opts.loadModule !== undefined && typeof opts.loadModule !== 'function') {
    throw new ConfigError('Expected `loadModule` to be a function');
  }
  return {
    fetch: opts.fetch,
    baseURL: opts.baseURL === undefined ? undefined : checkUrl(opts.baseURL, 'baseURL'),
    timeoutMs,
    googleAuthClient: opts.googleAuthClient,
    loadModule: opts.loadModule ?? requireModule,
  };
}

/** A base URL from the environment, validated with the variable named in the error. */
export function envUrl(env: ProviderEnv, name: string): string | undefined {
  const raw = env[name];
  return raw ? checkUrl(raw, name) : undefined;
}

/** The model a provider uses when the run names none: DW_MODEL, else the provider's own. */
export function defaultModelFor(env: ProviderEnv, fallback: string): string {
  const fromEnv = env.DW_MODEL?.trim();
  return fromEnv ? fromEnv : fallback;
}
