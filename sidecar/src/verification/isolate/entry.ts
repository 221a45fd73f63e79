/**
 * The verification helpers' entry point: the bundle of this file (dist/bundles/dw-verification.js,
 * built by scripts/bundle.mjs) is a sandbox prelude module, run inside the isolate after the
 * core prelude with the sandbox's private event function in scope as `__emit`. It installs
 * consensus, verify and converge on the global object, configurable so the sandbox can lock
 * them before the script runs; the script never sees `__emit`.
 *
 * Determinism: the helpers read no clock and no randomness; every decision (how many more
 * agents, which findings go on) is a function of the answers, and each round issues its
 * calls at once in a fixed order, so a replay issues the same calls in the same order.
 */
import type { VERIFICATION_GLOBALS } from '../../core/names';
import { consensus } from './consensus';
import { converge } from './converge';
import { useEmit } from './rounds';
import { verify } from './verify';

declare const __emit: (type: string, payload: Record<string, unknown>) => void;

const helpers: Record<(typeof VERIFICATION_GLOBALS)[number], (...args: never[]) => unknown> = { consensus, verify, converge };

useEmit(__emit);
for (const name of Object.keys(helpers) as Array<keyof typeof helpers>) {
  Object.defineProperty(globalThis, name, { value: helpers[name], writable: false, enumerable: false, configurable: true });
}
