import type { ScriptMeta } from '../core/types';
import { analyseScript } from './analyse';
import { ScriptCheckIssuesError } from './check-error';

/** The file name error stacks show for the user's script, so a line can be pointed at. */
export const SCRIPT_FILENAME = 'workflow.js';

export interface RunnableScript {
  /** An expression whose value is an async function running the script body. */
  readonly code: string;
  /** Pass as the script origin's lineOffset so reported lines match the source as written. */
  readonly lineOffset: number;
  readonly meta: ScriptMeta | null;
}

const PREFIX = '(async function () { "use strict";\n';
const SUFFIX = '\n})';

/** The file name a workflow() child's stack frames show. */
export const childFilename = (name: string): string => `workflows/${name}`;

/**
 * Turns a module-shaped workflow script into an async function expression: `export const meta`
 * becomes `const meta` (columns kept), top-level `await` and `return` work, and the returned value
 * is the function's result. With `params` the expression is a function of those parameters that
 * returns the async function (a workflow() child gets its own `args` and `workflow` so). The structural rules of the check are enforced again here, because
 * the wrapper is only sound for a script that parsed as a module without imports or exports.
 * @throws ScriptCheckError when the script does not parse or breaks those rules.
 */
export function toRunnable(source: string, opts: { readonly params?: readonly string[] } = {}): RunnableScript {
  const analysis = analyseScript(source);
  if (analysis.issues.length > 0) throw new ScriptCheckIssuesError(analysis.issues);
  let body = source;
  if (analysis.metaExport) {
    const { start, end } = analysis.metaExport;
    body = body.slice(0, start) + ' '.repeat(end - start) + body.slice(end);
  }
  // A hashbang is legal only at the very start of a file, not inside a function body.
  if (body.startsWith('#!')) body = `//${body.slice(2)}`;
  if (opts.params === undefined) return { code: PREFIX + body + SUFFIX, lineOffset: -1, meta: analysis.meta };
  // The parameters shadow the globals of those names; the body may still declare its own (`const args = …`).
  const head = `(function (${opts.params.join(', ')}) { return async function () { "use strict";\n`;
  return { code: head + body + '\n}; })', lineOffset: -1, meta: analysis.meta };
}
