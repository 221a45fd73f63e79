import { ValidationError } from '../errors/errors';
import type { CheckedScript } from './types';
import { analyseScript } from './analyse';
import { ScriptCheckIssuesError, type ScriptIssue } from './check-error';
import { ALLOWED_GLOBALS, GLOBAL_HINTS } from './globals';

export interface CheckOptions {
  /**
   * Global names that prelude modules install (the verification helpers supply theirs here),
   * allowed in addition to `ALLOWED_GLOBALS`.
   * @default []
   */
  readonly extraGlobals?: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function allowedSet(opts: CheckOptions | undefined): Set<string> {
  const extra = opts?.extraGlobals ?? [];
  if (!Array.isArray(extra) || !extra.every((n) => typeof n === 'string' && IDENTIFIER.test(n))) {
    throw new ValidationError('Expected `extraGlobals` to be an array of identifier names');
  }
  return new Set([...ALLOWED_GLOBALS, ...extra]);
}

function unknownGlobalMessage(name: string): string {
  const hint = GLOBAL_HINTS[name] ?? 'declare it with const/let/function or use one of the available globals';
  return `\`${name}\` is not defined in a workflow script: ${hint}`;
}

/**
 * Checks a workflow script without running it: it must parse as a module, may export only
 * `export const meta = {literal}`, may not import, and may only name globals that exist in the
 * sandbox. Scope analysis is approximate (a name declared anywhere counts as declared): the
 * isolate is the real enforcement, this check gives early, precise messages.
 * @throws ScriptCheckError (code `script_invalid`) listing each problem as `line:column message`.
 */
export function checkScript(source: string, opts?: CheckOptions): CheckedScript {
  const allowed = allowedSet(opts);
  const analysis = analyseScript(source);
  const issues: ScriptIssue[] = [...analysis.issues];
  const reported = new Set<string>();
  for (const id of analysis.references) {
    const name = id.name;
    if (analysis.declared.has(name) || allowed.has(name) || reported.has(name)) continue;
    reported.add(name);
    const start = id.loc?.start;
    issues.push({ line: start?.line ?? 1, column: (start?.column ?? 0) + 1, message: unknownGlobalMessage(name) });
  }
  if (issues.length > 0) {
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    const footer = reported.size > 0 ? `Available globals: ${[...allowed].join(', ')}` : undefined;
    throw new ScriptCheckIssuesError(issues, footer);
  }
  return { source, meta: analysis.meta };
}
