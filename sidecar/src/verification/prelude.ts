import { bundleText } from '../bundle-text';
import { VERIFICATION_GLOBALS } from '../core/names';

export { VERIFICATION_GLOBALS };

/** The file name stack frames inside the verification helpers show (and the bundle's name). */
export const VERIFICATION_PRELUDE_FILE = 'dw-verification.js';

/**
 * The verification helpers as a sandbox prelude module: the bundle of isolate/entry.ts (see
 * scripts/bundle.mjs), evaluated inside the isolate after the core prelude with the sandbox's
 * private event function in scope as `__emit`. Read on first use. (The shape of the sandbox's
 * PreludeModule, which this layer does not import.)
 */
export const VERIFICATION_PRELUDE: { readonly filename: string; readonly source: string } = Object.freeze({
  filename: VERIFICATION_PRELUDE_FILE,
  get source(): string {
    return bundleText(VERIFICATION_PRELUDE_FILE);
  },
});
