import { createHash } from 'node:crypto';
import { bundleText } from '../bundle-text';

/*
 * The page's script and styles are real sources in ./page (TypeScript with DOM types, and a
 * stylesheet), bundled by scripts/bundle.mjs into dist/bundles; the sidecar serves the bundles.
 */

export interface Asset {
  readonly body: string;
  readonly type: string;
  /** Short content hash: the asset URL carries it, so browsers may cache it for good. */
  readonly version: string;
}

/** The version an asset's URL carries: a hash of its content, so any change gives a new URL. */
export const assetVersion = (body: string): string => createHash('sha256').update(body).digest('hex').slice(0, 16);

export function asset(body: string, type: string): Asset {
  return { body, type, version: assetVersion(body) };
}

/** An asset read from its bundle on first use (so importing this module needs no build). */
function bundledAsset(name: string, type: string): Asset {
  let loaded: Asset | null = null;
  const load = (): Asset => (loaded ??= asset(bundleText(name), type));
  return Object.freeze({
    type,
    get body(): string {
      return load().body;
    },
    get version(): string {
      return load().version;
    },
  });
}

/** One classic script (an IIFE from page/main.ts), started once the document is parsed (it loads with `defer`). */
export const APP_SCRIPT: Asset = bundledAsset('page.js', 'text/javascript; charset=utf-8');

export const STYLESHEET: Asset = bundledAsset('page.css', 'text/css; charset=utf-8');
