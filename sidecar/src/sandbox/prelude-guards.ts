/**
 * Determinism guards and the removal of everything a workflow script must not reach (runs inside
 * the isolate, in the same closure as PRELUDE_COMMON). Clock and randomness throw a
 * `determinism` error; module loading, timers, network, process and code generation throw an
 * error naming what was called. `lock` runs after the prelude modules, which may still need
 * what it removes while they set up.
 */
export const PRELUDE_GUARDS = String.raw`
const reflectConstruct = Reflect.construct;
const RealDate = Date;
function determinism(what) {
  return coded('determinism', hostMessage('determinism', what));
}
function GuardedDate(...parts) {
  if (new.target === undefined) throw determinism('Date()');
  if (parts.length === 0) throw determinism('new Date()');
  return reflectConstruct(RealDate, parts, new.target);
}
defineProperty(GuardedDate, 'name', { value: 'Date' });
defineProperty(GuardedDate, 'length', { value: 7 });
defineProperty(GuardedDate, 'prototype', { value: RealDate.prototype, writable: false });
defineProperty(GuardedDate, 'UTC', { value: RealDate.UTC, writable: true, configurable: true });
defineProperty(GuardedDate, 'parse', { value: RealDate.parse, writable: true, configurable: true });
defineProperty(GuardedDate, 'now', { value: function now() { throw determinism('Date.now()'); }, writable: false, configurable: false });
defineProperty(RealDate.prototype, 'constructor', { value: GuardedDate, writable: false, configurable: false });
defineProperty(g, 'Date', { value: GuardedDate, writable: false, enumerable: false, configurable: false });
defineProperty(Math, 'random', { value: function random() { throw determinism('Math.random()'); }, writable: false, configurable: false });

function named(name, f) {
  defineProperty(f, 'name', { value: name });
  return f;
}
const NO_TIMERS = 'there are no timers; await agent() results instead of waiting for time to pass';
const NO_NETWORK = 'there is no network access; give an agent the http_get tool instead';
const NO_MODULES = 'scripts cannot load modules; everything a script needs is a global (agent, parallel, pipeline, ...)';
const BLOCKED_CALLS = {
  require: NO_MODULES, fetch: NO_NETWORK, XMLHttpRequest: NO_NETWORK,
  setTimeout: NO_TIMERS, setInterval: NO_TIMERS, setImmediate: NO_TIMERS,
  clearTimeout: NO_TIMERS, clearInterval: NO_TIMERS, clearImmediate: NO_TIMERS,
};
const BLOCKED_GLOBALS = {
  process: 'scripts have no access to the process or its environment; pass values in through args',
  console: 'use log(...values) instead',
  WebAssembly: 'WebAssembly is disabled in the sandbox',
  Intl: 'it reads the clock and the locale, and scripts must be deterministic so a run can replay',
  SharedArrayBuffer: 'shared memory is disabled in the sandbox',
  Atomics: 'shared memory is disabled in the sandbox',
  WeakRef: 'garbage-collection timing would make the script non-deterministic',
  FinalizationRegistry: 'garbage-collection timing would make the script non-deterministic',
};
objectKeys(BLOCKED_CALLS).forEach(function (name) {
  const blocked = named(name, function () { throw unavailable(name + '()', BLOCKED_CALLS[name]); });
  defineProperty(g, name, { value: blocked, writable: false, enumerable: false, configurable: false });
});
objectKeys(BLOCKED_GLOBALS).forEach(function (name) {
  defineProperty(g, name, { get: function () { throw unavailable(name, BLOCKED_GLOBALS[name]); }, enumerable: false, configurable: false });
});

function codegenBlocked(name, proto) {
  const fake = named(name, function () { throw unavailable(name, 'code generation from strings is disabled'); });
  defineProperty(fake, 'prototype', { value: proto, writable: false });
  return fake;
}
function lock() {
  // Every route to a function constructor goes through one of these four prototypes
  // (e.g. this.constructor.constructor, (async () => {}).constructor).
  const protos = [
    ['Function', getPrototypeOf(function () {})],
    ['AsyncFunction', getPrototypeOf(async function () {})],
    ['GeneratorFunction', getPrototypeOf(function* () {})],
    ['AsyncGeneratorFunction', getPrototypeOf(async function* () {})],
  ];
  for (let i = 0; i < protos.length; i++) {
    const fake = codegenBlocked(protos[i][0], protos[i][1]);
    defineProperty(protos[i][1], 'constructor', { value: fake, writable: false, enumerable: false, configurable: false });
    if (i === 0) defineProperty(g, 'Function', { value: fake, writable: false, enumerable: false, configurable: false });
  }
  defineProperty(g, 'eval', { value: codegenBlocked('eval', undefined), writable: false, enumerable: false, configurable: false });
  const names = config.lockGlobals;
  for (let i = 0; i < names.length; i++) {
    const d = Object.getOwnPropertyDescriptor(g, names[i]);
    if (d && d.configurable && 'value' in d) {
      defineProperty(g, names[i], { value: d.value, writable: false, enumerable: false, configurable: false });
    }
  }
}
`;
