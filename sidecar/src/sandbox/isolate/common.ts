/**
 * Shared part of the core prelude (runs inside the isolate, never in Node): the built-ins the
 * prelude uses, captured before the script can touch them, and the error and value helpers.
 */

export const g: Record<PropertyKey, unknown> = globalThis as unknown as Record<PropertyKey, unknown>;
export const defineProperty = Object.defineProperty,
  getPrototypeOf = Object.getPrototypeOf,
  objectKeys = Object.keys;
export const freeze = Object.freeze,
  isArray = Array.isArray,
  isInteger = Number.isInteger,
  mathMax = Math.max;
export const jsonStringify = JSON.stringify,
  jsonParse = JSON.parse;
export const PromiseCtor = Promise,
  ErrorCtor = Error,
  TypeErrorCtor = TypeError,
  RangeErrorCtor = RangeError;
const ObjectProto: unknown = Object.prototype;
export const MAX_LOG_CHARS = 10000;

/** An error with a machine-readable code, as the sandbox raises it. */
export interface CodedError extends Error {
  readonly code?: string;
}

// Codes that end the run: parallel()/pipeline() pass these on instead of turning them into null.
export const RUN_LEVEL: ReadonlySet<unknown> = new Set([
  'agent_limit',
  'workflow_limit',
  'item_limit',
  'determinism',
  'budget_tokens',
  'budget_usd',
  'cancelled',
  'deadline',
  'cpu_limit',
  'memory_limit',
]);
const ERROR_NAMES: Readonly<Record<string, string>> = {
  agent_limit: 'AgentLimitError',
  workflow_limit: 'WorkflowLimitError',
  item_limit: 'ItemLimitError',
  determinism: 'DeterminismError',
  budget_tokens: 'TokenBudgetError',
  budget_usd: 'UsdBudgetError',
  cancelled: 'RunCancelledError',
  deadline: 'DeadlineError',
};
// Errors raised by the sandbox or the host: they end the run even when thrown inside a thunk.
const fatalErrors = new WeakSet<object>();
// Errors whose code came from the host: the outcome keeps that code whatever it is.
const hostErrors = new WeakSet<object>();

function makeCoded(code: string | undefined, message: string, name: string | undefined): CodedError {
  const e = new ErrorCtor(message);
  defineProperty(e, 'name', { value: name || (code !== undefined && ERROR_NAMES[code]) || 'Error', writable: true, configurable: true });
  if (code !== undefined) defineProperty(e, 'code', { value: code, enumerable: true, configurable: true });
  return e;
}

export function coded(code: string | undefined, message: string, name?: string): CodedError {
  const e = makeCoded(code, message, name);
  fatalErrors.add(e);
  return e;
}

export function fromHost(info: { readonly code?: unknown; readonly message?: unknown } | null | undefined): CodedError {
  const code = info && typeof info.code === 'string' ? info.code : 'internal';
  const e = coded(code, info && typeof info.message === 'string' ? info.message : 'Host error');
  hostErrors.add(e);
  return e;
}

/**
 * An error with the host's code that the script may handle like its own: inside parallel() or
 * pipeline() it becomes null, and only when nothing catches it does the run fail, with its code.
 */
export function recoverableFromHost(info: { readonly code?: unknown; readonly message?: unknown } | null | undefined): CodedError {
  const code = info && typeof info.code === 'string' ? info.code : 'internal';
  const e = makeCoded(code, info && typeof info.message === 'string' ? info.message : 'Host error', 'WorkflowError');
  hostErrors.add(e);
  return e;
}

export function isHostError(e: object): boolean {
  return hostErrors.has(e);
}

export function unavailable(what: string, hint: string): CodedError {
  return coded(undefined, what + ' is not available in a workflow script: ' + hint, 'SandboxError');
}

export function isObject(v: unknown): v is Record<PropertyKey, unknown> {
  return v !== null && typeof v === 'object';
}

export function isFatal(e: unknown): boolean {
  return isObject(e) && (fatalErrors.has(e) || RUN_LEVEL.has(e.code));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || isArray(v)) return false;
  const proto: unknown = getPrototypeOf(v);
  return proto === ObjectProto || proto === null;
}

function className(v: object): string {
  const ctor: unknown = (v as { constructor?: unknown }).constructor;
  const name: unknown = ctor ? (ctor as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name ? name : 'a class';
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return v === '' ? 'an empty string' : 'a string';
    case 'number':
      return 'the number ' + String(v);
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    case 'object':
      return isPlainObject(v) ? 'an object' : 'an instance of ' + className(v);
    default:
      return 'a ' + typeof v;
  }
}

export function errorText(e: unknown): string {
  try {
    if (isObject(e) && 'message' in e) {
      const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
      return name + ': ' + String(e.message);
    }
    return 'thrown value ' + formatValue(e);
  } catch {
    return 'an error that could not be printed';
  }
}

function functionName(f: { readonly name?: string }): string {
  return '[Function ' + (f.name || 'anonymous') + ']';
}

export function formatValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'undefined':
      return 'undefined';
    case 'function':
      return functionName(v);
    case 'bigint':
      return String(v) + 'n';
    case 'symbol':
      return String(v);
    default:
      break;
  }
  if (v instanceof ErrorCtor) return errorText(v);
  try {
    const seen = new WeakSet<object>();
    const out: string | undefined = jsonStringify(v, function (_k: string, x: unknown): unknown {
      if (typeof x === 'bigint') return String(x) + 'n';
      if (typeof x === 'function') return functionName(x);
      if (x !== null && typeof x === 'object') {
        if (seen.has(x)) return '[Circular]';
        seen.add(x);
      }
      return x;
    });
    return out === undefined ? String(v) : out;
  } catch {
    return '[unprintable ' + typeof v + ']';
  }
}

export function checkJson(v: unknown, path: string, depth: number): void {
  if (depth > 64) throw new TypeErrorCtor(path + ' is nested too deeply (or is circular)');
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (v !== v || v === Infinity || v === -Infinity) throw new TypeErrorCtor(path + ' must be plain JSON; found ' + String(v));
    return;
  }
  if (isArray(v)) {
    for (let i = 0; i < v.length; i++) checkJson(v[i], path + '[' + i + ']', depth + 1);
    return;
  }
  if (!isPlainObject(v)) throw new TypeErrorCtor(path + ' must be plain JSON; found ' + describeValue(v));
  const ks = objectKeys(v);
  for (let i = 0; i < ks.length; i++) checkJson(v[ks[i]], path + '.' + ks[i], depth + 1);
}
