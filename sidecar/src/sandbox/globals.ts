import { SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS } from '../core/names';

export { SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS };

/**
 * Standard built-ins a script may name. `Date` exists but `Date.now()`, `new Date()` and
 * `Date()` throw inside the sandbox; `structuredClone` and `Intl` are absent from the isolate.
 */
export const BUILTIN_GLOBALS: readonly string[] = Object.freeze([
  'Object',
  'Array',
  'JSON',
  'Math',
  'String',
  'Number',
  'Boolean',
  'Set',
  'Map',
  'WeakMap',
  'WeakSet',
  'Promise',
  'Error',
  'TypeError',
  'RangeError',
  'Symbol',
  'BigInt',
  'RegExp',
  'Date',
  'undefined',
  'NaN',
  'Infinity',
  'isNaN',
  'isFinite',
  'parseInt',
  'parseFloat',
  'encodeURIComponent',
  'decodeURIComponent',
]);

/** Every global name a workflow script may reference without declaring it. */
export const ALLOWED_GLOBALS: readonly string[] = Object.freeze([...SCRIPT_API_GLOBALS, ...VERIFICATION_GLOBALS, ...BUILTIN_GLOBALS]);

/**
 * What to tell a model (or a person) that reached for something a workflow script does not
 * have. Keyed by the global it named.
 */
export const GLOBAL_HINTS: Readonly<Record<string, string>> = Object.freeze({
  console: 'use log(...values) instead',
  require: 'scripts cannot load modules; everything they need is a global (agent, parallel, pipeline, …)',
  process: 'scripts have no access to the process or its environment; pass values in through args',
  fetch: 'scripts have no network access; give an agent the http_get tool instead',
  XMLHttpRequest: 'scripts have no network access; give an agent the http_get tool instead',
  setTimeout: 'scripts have no timers; await agent() results instead of waiting for time to pass',
  setInterval: 'scripts have no timers; await agent() results instead of waiting for time to pass',
  setImmediate: 'scripts have no timers; await agent() results instead of waiting for time to pass',
  queueMicrotask: 'scripts have no timers; use await instead',
  eval: 'code generation from strings is disabled in workflow scripts',
  Function: 'code generation from strings is disabled in workflow scripts',
  WebAssembly: 'WebAssembly is not available in workflow scripts',
  performance: 'scripts must be deterministic so a run can replay: there is no clock',
  Intl: 'Intl is not available in workflow scripts (it reads the clock and the locale)',
  crypto: 'scripts must be deterministic so a run can replay: there is no randomness',
  globalThis: 'use the globals directly (agent, parallel, …) or declare your own variables',
  window: 'a workflow script is not a browser page; use the globals directly',
  global: 'a workflow script is not a Node.js module; use the globals directly',
  structuredClone: 'copy with JSON.parse(JSON.stringify(value)) instead',
});
