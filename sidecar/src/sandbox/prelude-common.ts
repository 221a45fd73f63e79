/**
 * First part of the core prelude: JavaScript that runs inside the isolate as the body of a
 * closure (isolated-vm `evalClosure`), so everything it binds stays private to the prelude.
 * Closure arguments (see prelude.ts): $0 agent Reference, $1 phase, $2 log, $3 budget, $4 emit,
 * $5 message — host Callbacks — and $6 the JSON config `{ args, limits, lockGlobals }`.
 *
 * Written as a string because it never runs in Node; no backticks or template
 * substitutions inside, so it can live in a String.raw literal.
 */
export const PRELUDE_COMMON = String.raw`
'use strict';
const hostAgent = $0, hostPhase = $1, hostLog = $2, hostBudget = $3, hostEmit = $4, hostMessage = $5;
const config = JSON.parse($6);
const g = globalThis;
const defineProperty = Object.defineProperty, getPrototypeOf = Object.getPrototypeOf, objectKeys = Object.keys;
const freeze = Object.freeze, isArray = Array.isArray, isInteger = Number.isInteger, mathMax = Math.max;
const jsonStringify = JSON.stringify;
const PromiseCtor = Promise, ErrorCtor = Error, TypeErrorCtor = TypeError, RangeErrorCtor = RangeError;
const ObjectProto = Object.prototype;
const LIMITS = config.limits;
const MAX_LOG_CHARS = 10000;

// Codes that end the run: parallel()/pipeline() pass these on instead of turning them into null.
const RUN_LEVEL = new Set(['agent_limit', 'item_limit', 'determinism', 'budget_tokens', 'budget_usd', 'cancelled', 'deadline', 'cpu_limit', 'memory_limit']);
const ERROR_NAMES = { agent_limit: 'AgentLimitError', item_limit: 'ItemLimitError', determinism: 'DeterminismError',
  budget_tokens: 'TokenBudgetError', budget_usd: 'UsdBudgetError', cancelled: 'RunCancelledError', deadline: 'DeadlineError' };
// Errors raised by the sandbox or the host: they end the run even when thrown inside a thunk.
const fatalErrors = new WeakSet();
// Errors whose code came from the host: the outcome keeps that code whatever it is.
const hostErrors = new WeakSet();

function coded(code, message, name) {
  const e = new ErrorCtor(message);
  defineProperty(e, 'name', { value: name || ERROR_NAMES[code] || 'Error', writable: true, configurable: true });
  if (code !== undefined) defineProperty(e, 'code', { value: code, enumerable: true, configurable: true });
  fatalErrors.add(e);
  return e;
}
function fromHost(info) {
  const code = info && typeof info.code === 'string' ? info.code : 'internal';
  const e = coded(code, info && typeof info.message === 'string' ? info.message : 'Host error');
  hostErrors.add(e);
  return e;
}
function unavailable(what, hint) {
  return coded(undefined, what + ' is not available in a workflow script: ' + hint, 'SandboxError');
}
function isFatal(e) {
  return e !== null && typeof e === 'object' && (fatalErrors.has(e) || RUN_LEVEL.has(e.code));
}
function isPlainObject(v) {
  if (v === null || typeof v !== 'object' || isArray(v)) return false;
  const proto = getPrototypeOf(v);
  return proto === ObjectProto || proto === null;
}
function describeValue(v) {
  if (v === null) return 'null';
  if (isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return v === '' ? 'an empty string' : 'a string';
    case 'number': return 'the number ' + String(v);
    case 'function': return 'a function';
    case 'undefined': return 'undefined';
    case 'object': return isPlainObject(v) ? 'an object' : 'an instance of ' + ((v.constructor && v.constructor.name) || 'a class');
    default: return 'a ' + typeof v;
  }
}
function errorText(e) {
  try {
    if (e !== null && typeof e === 'object' && 'message' in e) {
      const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
      return name + ': ' + String(e.message);
    }
    return 'thrown value ' + formatValue(e);
  } catch (_) {
    return 'an error that could not be printed';
  }
}
function formatValue(v) {
  switch (typeof v) {
    case 'string': return v;
    case 'undefined': return 'undefined';
    case 'function': return '[Function ' + (v.name || 'anonymous') + ']';
    case 'bigint': return String(v) + 'n';
    case 'symbol': return String(v);
    default: break;
  }
  if (v instanceof ErrorCtor) return errorText(v);
  try {
    const seen = new WeakSet();
    const out = jsonStringify(v, function (_k, x) {
      if (typeof x === 'bigint') return String(x) + 'n';
      if (typeof x === 'function') return '[Function ' + (x.name || 'anonymous') + ']';
      if (x !== null && typeof x === 'object') {
        if (seen.has(x)) return '[Circular]';
        seen.add(x);
      }
      return x;
    });
    return out === undefined ? String(v) : out;
  } catch (_) {
    return '[unprintable ' + typeof v + ']';
  }
}
function checkJson(v, path, depth) {
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
`;
