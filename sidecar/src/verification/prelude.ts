import { COMMON_SOURCE } from './source/common';
import { CONSENSUS_SOURCE } from './source/consensus';
import { CONVERGE_SOURCE } from './source/converge';
import { VERIFY_SOURCE } from './source/verify';

/** The script globals the verification prelude installs. */
export const VERIFICATION_GLOBALS: readonly string[] = Object.freeze(['consensus', 'verify', 'converge']);

/**
 * The verification helpers as a sandbox prelude module (JavaScript evaluated inside the
 * isolate after the core prelude). The sandbox puts its private event function in scope as
 * `__emit`; the helpers get it as `emit` and the script never sees it. The globals are left
 * configurable so the sandbox can lock them before the script runs.
 *
 * Determinism: the helpers read no clock and no randomness; every decision (how many more
 * agents, which findings go on) is a function of the answers, and each round issues its
 * calls at once in a fixed order, so a replay issues the same calls in the same order.
 */
export const VERIFICATION_PRELUDE: string = [
  '(function (emit) {',
  "'use strict';",
  COMMON_SOURCE,
  CONSENSUS_SOURCE,
  VERIFY_SOURCE,
  CONVERGE_SOURCE,
  'const helpers = { consensus: consensus, verify: verify, converge: converge };',
  'for (const name of Object.keys(helpers)) {',
  '  Object.defineProperty(globalThis, name, { value: helpers[name], writable: false, enumerable: false, configurable: true });',
  '}',
  '})(__emit);',
].join('\n');
