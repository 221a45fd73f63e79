/**
 * Determinism guards and the removal of everything a workflow script must not reach (runs
 * inside the isolate). Clock and randomness throw a `determinism` error; module loading,
 * timers, network, process and code generation throw an error naming what was called. The
 * returned `lock` runs after the prelude modules, which may still need what it removes while
 * they set up.
 */
import { coded, defineProperty, g, getPrototypeOf, objectKeys, unavailable, type CodedError } from './common';

type Message = (kind: 'determinism', what: string) => string;

const NO_TIMERS = 'there are no timers; await agent() results instead of waiting for time to pass';
const NO_NETWORK = 'there is no network access; give an agent the http_get tool instead';
const NO_MODULES = 'scripts cannot load modules; everything a script needs is a global (agent, parallel, pipeline, ...)';
const BLOCKED_CALLS: Readonly<Record<string, string>> = {
  require: NO_MODULES,
  fetch: NO_NETWORK,
  XMLHttpRequest: NO_NETWORK,
  setTimeout: NO_TIMERS,
  setInterval: NO_TIMERS,
  setImmediate: NO_TIMERS,
  clearTimeout: NO_TIMERS,
  clearInterval: NO_TIMERS,
  clearImmediate: NO_TIMERS,
};
const BLOCKED_GLOBALS: Readonly<Record<string, string>> = {
  process: 'scripts have no access to the process or its environment; pass values in through args',
  console: 'use log(...values) instead',
  WebAssembly: 'WebAssembly is disabled in the sandbox',
  Intl: 'it reads the clock and the locale, and scripts must be deterministic so a run can replay',
  SharedArrayBuffer: 'shared memory is disabled in the sandbox',
  Atomics: 'shared memory is disabled in the sandbox',
  WeakRef: 'garbage-collection timing would make the script non-deterministic',
  FinalizationRegistry: 'garbage-collection timing would make the script non-deterministic',
};

function named<F extends (...a: never[]) => unknown>(name: string, f: F): F {
  defineProperty(f, 'name', { value: name });
  return f;
}

/** Replaces Date's clock and Math.random with functions that throw a `determinism` error. */
function guardClockAndRandomness(message: Message): void {
  const reflectConstruct = Reflect.construct;
  const RealDate = Date;
  const determinism = (what: string): CodedError => coded('determinism', message('determinism', what));
  function GuardedDate(this: unknown, ...parts: unknown[]): Date {
    if (new.target === undefined) throw determinism('Date()');
    if (parts.length === 0) throw determinism('new Date()');
    return reflectConstruct(RealDate, parts, new.target) as Date;
  }
  defineProperty(GuardedDate, 'name', { value: 'Date' });
  defineProperty(GuardedDate, 'length', { value: 7 });
  defineProperty(GuardedDate, 'prototype', { value: RealDate.prototype, writable: false });
  defineProperty(GuardedDate, 'UTC', { value: RealDate.UTC, writable: true, configurable: true });
  defineProperty(GuardedDate, 'parse', { value: RealDate.parse, writable: true, configurable: true });
  defineProperty(GuardedDate, 'now', {
    value: function now() {
      throw determinism('Date.now()');
    },
    writable: false,
    configurable: false,
  });
  defineProperty(RealDate.prototype, 'constructor', { value: GuardedDate, writable: false, configurable: false });
  defineProperty(g, 'Date', { value: GuardedDate, writable: false, enumerable: false, configurable: false });
  defineProperty(Math, 'random', {
    value: function random() {
      throw determinism('Math.random()');
    },
    writable: false,
    configurable: false,
  });
}

/** Installs the guards now; returns `lock`, which removes code generation and freezes `lockGlobals`. */
export function installGuards(message: Message, lockGlobals: readonly string[]): () => void {
  guardClockAndRandomness(message);
  objectKeys(BLOCKED_CALLS).forEach(function (name) {
    const blocked = named(name, function () {
      throw unavailable(name + '()', BLOCKED_CALLS[name]);
    });
    defineProperty(g, name, { value: blocked, writable: false, enumerable: false, configurable: false });
  });
  objectKeys(BLOCKED_GLOBALS).forEach(function (name) {
    defineProperty(g, name, {
      get: function () {
        throw unavailable(name, BLOCKED_GLOBALS[name]);
      },
      enumerable: false,
      configurable: false,
    });
  });
  return function lock(): void {
    lockCodeGeneration();
    for (let i = 0; i < lockGlobals.length; i++) {
      const d = Object.getOwnPropertyDescriptor(g, lockGlobals[i]);
      if (d && d.configurable && 'value' in d) {
        defineProperty(g, lockGlobals[i], { value: d.value, writable: false, enumerable: false, configurable: false });
      }
    }
  };
}

function codegenBlocked(name: string, proto: object | undefined): () => never {
  const fake = named(name, function (): never {
    throw unavailable(name, 'code generation from strings is disabled');
  });
  defineProperty(fake, 'prototype', { value: proto, writable: false });
  return fake;
}

function lockCodeGeneration(): void {
  // Every route to a function constructor goes through one of these four prototypes
  // (e.g. this.constructor.constructor, (async () => {}).constructor).
  const protos: ReadonlyArray<readonly [string, object]> = [
    [
      'Function',
      getPrototypeOf(function () {
        /* a plain function */
      }) as object,
    ],
    [
      'AsyncFunction',
      getPrototypeOf(async function () {
        /* an async function */
      }) as object,
    ],
    [
      'GeneratorFunction',
      getPrototypeOf(function* () {
        /* a generator */
      }) as object,
    ],
    [
      'AsyncGeneratorFunction',
      getPrototypeOf(async function* () {
        /* an async generator */
      }) as object,
    ],
  ];
  for (let i = 0; i < protos.length; i++) {
    const fake = codegenBlocked(protos[i][0], protos[i][1]);
    defineProperty(protos[i][1], 'constructor', { value: fake, writable: false, enumerable: false, configurable: false });
    if (i === 0) defineProperty(g, 'Function', { value: fake, writable: false, enumerable: false, configurable: false });
  }
  defineProperty(g, 'eval', { value: codegenBlocked('eval', undefined), writable: false, enumerable: false, configurable: false });
}
