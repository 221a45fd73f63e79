/**
 * Milliseconds a server asks us to wait: `retry-after-ms` (Anthropic's precise form) first,
 * then `retry-after` as seconds or an HTTP date. Null when both are absent or unreadable.
 * Model providers and callback receivers both answer this way.
 */
export function retryAfterMs(
  headers: { readonly retryAfterMs?: string | null; readonly retryAfter?: string | null },
  now: number = Date.now(),
): number | null {
  const ms = headers.retryAfterMs;
  if (ms != null && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.round(n);
  }
  const raw = headers.retryAfter;
  if (raw == null || raw.trim() === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
