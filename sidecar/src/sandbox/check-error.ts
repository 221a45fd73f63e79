import { ScriptCheckError } from '../errors/errors';

/** One problem the static check found; `line` is 1-based, `column` 1-based. */
export interface ScriptIssue {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Most issues listed in one error: a model fixing its script needs the first few, not hundreds. */
const MAX_LISTED = 10;

/**
 * A `ScriptCheckError` (code `script_invalid`) that also carries every issue found, so the
 * planner can hand them back to the model one per line.
 */
export class ScriptCheckIssuesError extends ScriptCheckError {
  readonly issues: readonly ScriptIssue[];
  constructor(issues: readonly ScriptIssue[], footer?: string) {
    super(formatIssues(issues, footer));
    this.issues = issues;
  }
}

function formatIssues(issues: readonly ScriptIssue[], footer: string | undefined): string {
  const listed = issues.slice(0, MAX_LISTED).map((i) => `  ${i.line}:${i.column} ${i.message}`);
  const more = issues.length > MAX_LISTED ? [`  … and ${issues.length - MAX_LISTED} more`] : [];
  const head =
    issues.length === 1 ? 'Script check failed (line:column):' : `Script check failed with ${issues.length} problems (line:column):`;
  return [head, ...listed, ...more, ...(footer ? [footer] : [])].join('\n');
}
