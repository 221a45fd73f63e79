import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors/errors';

/**
 * Where scripts/bundle.mjs writes the bundles: sidecar/dist/bundles, reached the same way from
 * this file's place in src/ (tests) and in dist/ (the built sidecar).
 */
export const BUNDLE_DIR = path.join(__dirname, '..', 'dist', 'bundles');

const cache = new Map<string, string>();

/**
 * The text of one bundle built from the sources that run outside Node (the isolate preludes,
 * the live page), read once.
 * @throws ConfigError when the bundle has not been built.
 */
export function bundleText(name: string): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  let text: string;
  try {
    text = readFileSync(path.join(BUNDLE_DIR, name), 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`The bundle ${name} is missing from ${BUNDLE_DIR}; run \`npm run build -w sidecar\` (${reason})`);
  }
  cache.set(name, text);
  return text;
}
