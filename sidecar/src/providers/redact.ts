/**
 * Error text from an SDK or a proxy can echo request headers or bodies; provider errors
 * end up in run records, events and logs, so anything that looks like a credential is
 * masked before it leaves this folder.
 */
const MASK = '[redacted]';

/** Shorter secrets would mask ordinary words; real keys and tokens are far longer. */
const MIN_SECRET_LENGTH = 6;

const PATTERNS: readonly [RegExp, string][] = [
  [/sk-ant-[A-Za-z0-9_-]{6,}/g, MASK],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${MASK}`],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, MASK],
  [/\bya29\.[A-Za-z0-9._-]+/g, MASK],
  [
    /\b(x-api-key|api[_-]?key|key|auth[_-]?token|access[_-]?token|token|authorization|secret[_-]?access[_-]?key|secret|password|session[_-]?token|signature|credential)(["']?\s*[:=]\s*["']?)([^\s"',;&]{6,})/gi,
    `$1$2${MASK}`,
  ],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A run of at least this many characters of a known secret counts as the secret. */
export const MIN_PARTIAL_CHARS = 12;

/**
 * The shapes a secret takes in echoed text: as is, URL-encoded (query strings, form bodies),
 * and base64/base64url (Basic headers, tokens), the latter at each of the three alignments a
 * secret can have inside a longer encoded string (the chars that depend on neighbours dropped).
 */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.from('\0'.repeat(pad) + secret, 'utf8').toString('base64');
    const inner = b64.slice(pad === 0 ? 0 : 4, b64.length - 4);
    for (const f of [inner, inner.replace(/\+/g, '-').replace(/\//g, '_')]) if (f.length >= MIN_SECRET_LENGTH) forms.add(f);
    if (pad === 0) forms.add(b64).add(b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * Masks every run of MIN_PARTIAL_CHARS or more characters of `text` that also occurs in one of
 * `forms`, and short forms exactly: a provider that echoes part of a key (or a key cut by a
 * length limit) gives nothing away either.
 */
function maskForms(text: string, forms: readonly string[]): string {
  const grams = new Set<string>();
  const exact: string[] = [];
  for (const f of forms) {
    if (f.length < MIN_PARTIAL_CHARS) exact.push(f);
    else for (let i = 0; i + MIN_PARTIAL_CHARS <= f.length; i++) grams.add(f.slice(i, i + MIN_PARTIAL_CHARS));
  }
  let out = text;
  if (grams.size > 0) {
    const ranges: [number, number][] = [];
    for (let i = 0; i + MIN_PARTIAL_CHARS <= out.length; i++) {
      if (!grams.has(out.slice(i, i + MIN_PARTIAL_CHARS))) continue;
      const last = ranges[ranges.length - 1];
      if (last && i <= last[1]) last[1] = i + MIN_PARTIAL_CHARS;
      else ranges.push([i, i + MIN_PARTIAL_CHARS]);
    }
    for (let r = ranges.length - 1; r >= 0; r--) out = out.slice(0, ranges[r]![0]) + MASK + out.slice(ranges[r]![1]);
  }
  for (const f of exact.sort((a, b) => b.length - a.length)) out = out.replace(new RegExp(escapeRegExp(f), 'g'), MASK);
  return out;
}

/** Masks the given secrets (as is, URL-encoded, base64, or any 12+ character part) and anything shaped like a key or token. */
export function redact(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
  let out = known.length > 0 ? maskForms(text, known.flatMap(formsOf)) : text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
