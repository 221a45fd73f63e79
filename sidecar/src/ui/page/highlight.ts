/**
 * A small JavaScript highlighter for workflow scripts: enough to tell code from comments,
 * strings and the workflow globals at a glance; not a parser. highlight(source) returns lines
 * of [class, text] tokens whose texts concatenate back to the source line.
 */
import { SCRIPT_API_GLOBALS, VERIFICATION_GLOBALS } from '../../core/names';

export type TokenKind = 'com' | 'str' | 're' | 'ws' | 'num' | 'id' | 'fn' | 'prop' | 'kw' | 'lit' | 'dw' | 'pun';
export type Token = [TokenKind, string];

/** The names the highlighter shows as workflow globals: the sandbox's own lists, so the two never drift. */
export const SCRIPT_GLOBALS: readonly string[] = [...SCRIPT_API_GLOBALS, ...VERIFICATION_GLOBALS];

const BACKTICK = '\x60';
const words = (s: string): ReadonlySet<string> => new Set(s.split(' '));
const KEYWORDS = words(
  'async await break case catch class const continue debugger default delete do else export extends ' +
    'finally for function if import in instanceof let new of return static super switch this throw try typeof var void while with yield',
);
const LITERALS = words('true false null undefined NaN Infinity');
// After these a slash starts a regular expression, not a division.
const BEFORE_REGEX_KW = words('return typeof instanceof in of new delete void throw case do else yield await');
const IDENT = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)n?/y;
const SPACE = /\s+/y;

function match(re: RegExp, src: string, i: number): string | null {
  re.lastIndex = i;
  const m = re.exec(src);
  return m ? m[0] : null;
}

function regexAllowed(prev: Token | null): boolean {
  if (!prev) return true;
  if (prev[0] === 'pun') return ')]}'.indexOf(prev[1]) < 0;
  if (prev[0] === 'kw') return BEFORE_REGEX_KW.has(prev[1]);
  return false;
}

/** End (exclusive) of a quoted string starting at i; stops at an unescaped newline. */
function quoted(src: string, i: number): number {
  const q = src[i];
  let j = i + 1;
  while (j < src.length && src[j] !== q && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
  return src[j] === q ? j + 1 : Math.min(j, src.length);
}

/** End of a template literal starting at i, skipping over its substitutions. */
function template(src: string, i: number): number {
  let j = i + 1;
  while (j < src.length && src[j] !== BACKTICK) {
    if (src[j] === '\\') {
      j += 2;
      continue;
    }
    if (src[j] === '$' && src[j + 1] === '{') {
      let depth = 1;
      j += 2;
      while (j < src.length && depth > 0) {
        if (src[j] === '{') depth++;
        else if (src[j] === '}') depth--;
        j++;
      }
      continue;
    }
    j++;
  }
  return Math.min(j + 1, src.length);
}

/** End of a regular expression literal at i, or -1 when the line ends first. */
function regex(src: string, i: number): number {
  let j = i + 1;
  let inClass = false;
  while (j < src.length) {
    const c = src[j];
    if (c === '\n') return -1;
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
    j++;
  }
  if (j >= src.length) return -1;
  j++;
  while (j < src.length && /[a-z]/.test(src[j])) j++;
  return j;
}

function tokenize(src: string, globals: ReadonlySet<string>): Token[] {
  const out: Token[] = [];
  let prev: Token | null = null;
  let i = 0;
  const push = (type: TokenKind, text: string): void => {
    out.push([type, text]);
    if (type !== 'ws' && type !== 'com') prev = [type, text];
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    let end: number;
    let text: string | null;
    if (c === '/' && next === '/') {
      end = src.indexOf('\n', i);
      if (end < 0) end = src.length;
      push('com', src.slice(i, end));
    } else if (c === '/' && next === '*') {
      end = src.indexOf('*/', i + 2);
      end = end < 0 ? src.length : end + 2;
      push('com', src.slice(i, end));
    } else if (c === '"' || c === "'") {
      end = quoted(src, i);
      push('str', src.slice(i, end));
    } else if (c === BACKTICK) {
      end = template(src, i);
      push('str', src.slice(i, end));
    } else if (c === '/' && regexAllowed(prev) && (end = regex(src, i)) > 0) {
      push('re', src.slice(i, end));
    } else if ((text = match(SPACE, src, i))) {
      end = i + text.length;
      push('ws', text);
    } else if (/[\d]/.test(c) || (c === '.' && /\d/.test(next || ''))) {
      text = match(NUMBER, src, i) || c;
      end = i + text.length;
      push('num', text);
    } else if ((text = match(IDENT, src, i))) {
      end = i + text.length;
      const p: Token | null = prev;
      const afterDot = p !== null && p[0] === 'pun' && p[1] === '.';
      const rest = src.slice(end, end + 40);
      let type: TokenKind = 'id';
      if (afterDot) type = /^\s*\(/.test(rest) ? 'fn' : 'prop';
      else if (KEYWORDS.has(text)) type = 'kw';
      else if (LITERALS.has(text)) type = 'lit';
      else if (globals.has(text)) type = 'dw';
      else if (/^\s*\(/.test(rest)) type = 'fn';
      push(type, text);
    } else {
      end = i + 1;
      push('pun', c);
    }
    i = end;
  }
  return out;
}

/** A highlighter that shows `globals` (and `meta`) as workflow globals. */
export function highlighter(globals: readonly string[]): (src: unknown) => Token[][] {
  const names = new Set([...globals, 'meta']);
  return function highlight(src: unknown): Token[][] {
    const lines: Token[][] = [[]];
    tokenize(String(src), names).forEach(function (t) {
      const parts = t[1].split('\n');
      for (let k = 0; k < parts.length; k++) {
        if (k > 0) lines.push([]);
        if (parts[k] !== '') lines[lines.length - 1].push([t[0], parts[k]]);
      }
    });
    return lines;
  };
}

export const highlight = highlighter(SCRIPT_GLOBALS);
