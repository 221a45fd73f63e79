import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import { RE2JS } from 're2js';

/** A JSON Schema `pattern` that RE2 cannot run (a backreference, a lookaround, bad syntax). */
export class UnsupportedPatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(
      `pattern ${JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern)} is not supported: ${reason} (patterns run on a linear-time engine: no backreferences or lookarounds)`,
    );
    this.name = 'UnsupportedPatternError';
  }
}

function compile(pattern: string): RegExpLike {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new UnsupportedPatternError(pattern, (err as Error).message);
  }
  return { test: (s: string) => re.test(s), toString: () => `/${pattern}/re2` } as RegExpLike;
}

/**
 * Ajv's `code.regExp`: schema `pattern`s (and `patternProperties`) run on RE2 (re2js, pure
 * JavaScript), whose time is linear in the input. With V8's backtracking RegExp a script's
 * schema `^(a*)*b$` against 25 `a`s and a `!` held the event loop for seconds; every schema a
 * script, a tool or a request brings is checked on the sidecar's main thread.
 */
export const linearRegExp: RegExpEngine = Object.assign((pattern: string, _flags: string) => compile(pattern), { code: 'linearRegExp' });
