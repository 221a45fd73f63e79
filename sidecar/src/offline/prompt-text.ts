/** Reading a prompt the way the offline model needs: its gist, the files and URLs it names. */

const DIRECTIVE = /\[offline:(?:json|tool)=[^\n]*?[}\]]\]|\[offline:[a-z]+(?:=[^\]]*)?\]/g;
/** Path-like tokens: a name with a letter extension, optionally with folders (src/a.ts, ./x/y.json). */
const FILE = /(?:^|[\s'"`(<[])((?:\.{1,2}\/)?[\w@-][\w.@-]*(?:\/[\w.@-]+)*\.[A-Za-z][A-Za-z0-9]{0,7})(?=$|[\s'"`)>\],:;!?]|\.(?:\s|$))/g;
const NOT_FILES = new Set(['e.g', 'i.e', 'etc', 'vs', 'a.m', 'p.m']);
const URL = /\bhttps?:\/\/[^\s'"`<>)\]]+/;

/** The prompt without `[offline:…]` directives, so quoting it does not pass them on to other agents. */
export function stripDirectives(text: string): string {
  return text.replace(DIRECTIVE, '').replace(/[ \t]{2,}/g, ' ');
}

/** A short, one-line gist of the prompt, for answers that "mention the task". */
export function topicOf(prompt: string, max = 100): string {
  const flat = stripDirectives(prompt).replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat || 'the task';
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** File paths named in the text, in order of first mention. */
export function filesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of stripDirectives(text).matchAll(FILE)) {
    const f = m[1];
    if (NOT_FILES.has(f.toLowerCase()) || /^\d/.test(f) || out.includes(f)) continue;
    out.push(f);
  }
  return out;
}

export function urlIn(text: string): string | null {
  const m = URL.exec(text);
  return m ? m[0].replace(/[.,;:!?]+$/, '') : null;
}

/** A term to grep for: the first quoted string, else the first identifier-like word after "for". */
export function searchTermIn(text: string): string {
  const quoted = /["'`]([^"'`\n]{2,60})["'`]/.exec(text);
  if (quoted) return quoted[1];
  const after = /\b(?:for|of|to)\s+([A-Za-z_][\w.]{2,40})/.exec(text);
  return after ? after[1] : 'TODO';
}

/** Up to `max` characters of `text` from its start, cut at a line end where possible. */
export function excerpt(text: string, max = 240): string {
  const clean = stripDirectives(text).trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  const nl = cut.lastIndexOf('\n');
  return `${nl > max / 2 ? cut.slice(0, nl) : cut}…`;
}
