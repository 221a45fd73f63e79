import path from 'node:path';
import { RE2JS } from 're2js';
import { GlobTooComplexError } from './errors';

/** Most wildcards (`*`, `?`, `[…]`, `{…}`) in one glob. */
export const GLOB_MAX_WILDCARDS = 32;
/** Deepest nesting of `{…}` in one glob. */
const MAX_BRACE_DEPTH = 4;

const SEGMENT = '[^/]+';

/**
 * A glob as a test of paths, as `ls`/`rg -g` users expect: a pattern without `/` matches the
 * file name at any depth (`*.ts`), one with `/` matches the path relative to where the
 * search started. Supports `*`, `?`, `**` (a whole segment: any number of directories),
 * `[abc]`/`[!abc]`, `{a,b}` and `\` escapes; wildcards also match names starting with a dot.
 *
 * The glob is translated to a regular expression run on RE2 (re2js), whose matching time is
 * linear in the path: `path.matchesGlob` backtracks, and a model's `*?*?*?…#` held the event
 * loop (every run, the HTTP API) for seconds. A glob with too many wildcards is refused.
 */
export function compileGlob(pattern: string): (relFromStart: string) => boolean {
  const byPath = pattern.includes('/');
  const re = RE2JS.compile(`^${translate(pattern)}$`, RE2JS.DOTALL);
  return (relFromStart) => re.matches(byPath ? relFromStart : path.posix.basename(relFromStart));
}

function translate(pattern: string): string {
  const wildcards = (pattern.match(/[*?[{]/g) ?? []).length;
  if (wildcards > GLOB_MAX_WILDCARDS) {
    throw new GlobTooComplexError(
      `The glob ${JSON.stringify(pattern.slice(0, 80))} has ${wildcards} wildcards; at most ${GLOB_MAX_WILDCARDS}`,
    );
  }
  const segments = pattern.split('/');
  let out = '';
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '**') {
      out += last ? `${SEGMENT}(?:/${SEGMENT})*` : `(?:${SEGMENT}/)*`;
      return;
    }
    out += segment(seg, pattern);
    if (!last) out += '/';
  });
  return out;
}

/** One path segment (or a brace alternative), where `/` is a literal separator. */
function segment(glob: string, whole: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += quote(glob[++i]!);
    } else if (c === '*') {
      while (glob[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += quote(c);
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body[0] === '!' || body[0] === '^';
      if (negated) body = body.slice(1);
      const escaped = body.replace(/[\\\]^[]/g, (m) => `\\${m}`);
      out += negated ? `[^/${escaped}]` : `[${escaped}]`;
      i = end;
    } else if (c === '{') {
      depth++;
      if (depth > MAX_BRACE_DEPTH)
        throw new GlobTooComplexError(`The glob ${JSON.stringify(whole.slice(0, 80))} nests {…} deeper than ${MAX_BRACE_DEPTH}`);
      out += '(?:';
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else {
      out += quote(c);
    }
  }
  // An unclosed brace is a literal in shells; here it just closes, which keeps the regex valid.
  return out + ')'.repeat(depth);
}

function quote(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c;
}
