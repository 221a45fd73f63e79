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

/** Masks the given secrets (exact values) and anything shaped like a key or token. */
export function redact(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  let out = text;
  const known = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of known) out = out.replace(new RegExp(escapeRegExp(secret), 'g'), MASK);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
