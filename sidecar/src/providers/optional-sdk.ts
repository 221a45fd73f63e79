import fs from 'node:fs';
import path from 'node:path';
import { ProviderUnavailableError } from '../errors/errors';
import type { ProviderName } from './types';

/**
 * Loads a module by name, synchronously (Node's `require` in production). Providers take one
 * through `ProviderOptions.loadModule`, so tests can simulate a package that is not installed.
 */
export type ModuleLoader = (id: string) => unknown;

/**
 * The cloud providers' SDKs are optional dependencies of the sidecar (`npm install
 * --omit=optional` leaves them out): each is loaded only when its provider is built.
 */
export const OPTIONAL_SDKS = {
  bedrock: ['@anthropic-ai/bedrock-sdk'],
  vertex: ['@anthropic-ai/vertex-sdk', 'google-auth-library'],
  foundry: ['@anthropic-ai/foundry-sdk'],
} as const satisfies Partial<Record<ProviderName, readonly string[]>>;

/** The sidecar's package name and the version ranges of its optional dependencies, from its package.json. */
function sidecarManifest(): { name: string; optional: Readonly<Record<string, string>> } {
  try {
    // One folder above src/ and dist/, from src/providers/ (tests) and dist/providers/ (the built sidecar).
    const raw = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      name?: string;
      optionalDependencies?: Record<string, string>;
    };
    return { name: raw.name ?? '@dynamic-workflows/sidecar', optional: raw.optionalDependencies ?? {} };
  } catch {
    return { name: '@dynamic-workflows/sidecar', optional: {} };
  }
}

/** The error for a provider whose SDK does not load, with the install command for it. */
function unavailable(provider: ProviderName, packageName: string, reason: string): ProviderUnavailableError {
  const manifest = sidecarManifest();
  const range = manifest.optional[packageName];
  return new ProviderUnavailableError(provider, packageName, range ? `${packageName}@${range}` : packageName, manifest.name, reason);
}

/** Node's require: CommonJS (the sidecar is compiled to it) loads the SDKs synchronously, so createProvider stays synchronous. */
export const requireModule: ModuleLoader = (id) => module.require(id);

/** The first line of a load error: MODULE_NOT_FOUND messages go on with the require stack (local paths). */
function reasonOf(err: unknown): string {
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return `not installed: ${message}`;
  return message || 'unknown error';
}

/**
 * Loads one optional SDK for a provider.
 * @throws ProviderUnavailableError when the package cannot be loaded.
 */
export function loadOptionalSdk<T>(provider: ProviderName, packageName: string, load: ModuleLoader = requireModule): T {
  let loaded: unknown;
  try {
    loaded = load(packageName);
  } catch (err) {
    throw unavailable(provider, packageName, reasonOf(err));
  }
  if (loaded === null || (typeof loaded !== 'object' && typeof loaded !== 'function')) {
    throw unavailable(provider, packageName, 'it exported nothing');
  }
  return loaded as T;
}
