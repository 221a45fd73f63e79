import { bundleText } from '../bundle-text';
import { CORE_PRELUDE_FILE } from './isolate/contract';

export type { PreludeApi, PreludeConfig, PreludeResult } from './isolate/contract';
export { CORE_PRELUDE_FILE };

/**
 * The core prelude: the bundle of isolate/entry.ts (see scripts/bundle.mjs). Compiled as a
 * script named CORE_PRELUDE_FILE, it evaluates to the prelude's `install` function, which the
 * host calls with the arguments of `HostBridge.preludeArguments` and the config as JSON.
 */
export function corePrelude(): string {
  return bundleText(CORE_PRELUDE_FILE);
}

/** A script run in every isolate after the core prelude, with the file name its stack frames show. */
export interface PreludeModule {
  readonly filename: string;
  readonly source: string;
}

/**
 * Wraps a prelude module so `__emit` is in its scope and nowhere else. The source starts on the
 * second line, so compile it with `lineOffset: -1`; its own "use strict" stays a directive.
 */
export function moduleSource(source: string): string {
  return `(function (__emit) {\n${source}\n})($0);`;
}
