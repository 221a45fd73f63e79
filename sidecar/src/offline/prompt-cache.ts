import { createHash, type Hash } from 'node:crypto';
import { requestJson } from './random';
import { parseCacheControl, toolResultText, type CacheControl, type MessagesRequest, type WireBlock } from './wire';

/** What one request is billed for, split the way `usage` reports it. */
export interface TokenAccount {
  /** Every input token of the request: `input + cacheRead + cacheWrite`. */
  readonly totalTokens: number;
  readonly inputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly cacheWrite5mTokens: number;
  readonly cacheWrite1hTokens: number;
}

/** Images and PDFs are billed by size in the real API; a flat figure keeps base64 out of the count. */
const MEDIA_CHARS = 1600 * 4;
/** The real API looks this many blocks back from a breakpoint for an earlier cache entry. */
const LOOKBACK_BLOCKS = 20;
const TTL_MS: Readonly<Record<CacheControl['ttl'], number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/** Token estimate used everywhere in the offline model: a quarter of the characters, rounded up. */
export const tokensForChars = (chars: number): number => Math.ceil(chars / 4);

interface Segment {
  readonly chars: number;
  readonly canonical: string;
  readonly cache: CacheControl | null;
}

/**
 * The request as the API sees it for caching: tools, then system blocks, then message
 * blocks, each with the characters it is billed for.
 */
function segments(req: MessagesRequest): Segment[] {
  const out: Segment[] = [];
  for (const t of req.tools) {
    const canonical = requestJson(t.raw);
    out.push({
      chars: requestJson({ name: t.name, description: t.description, input_schema: t.input_schema }).length,
      canonical: `tool:${canonical}`,
      cache: parseCacheControl(t.raw.cache_control),
    });
  }
  for (const b of req.system) out.push(blockSegment('system', b));
  req.messages.forEach((m, i) => {
    for (const b of m.content) out.push(blockSegment(`${i}:${m.role}`, b));
  });
  return out;
}

function blockSegment(where: string, b: WireBlock): Segment {
  const canonical = requestJson(b);
  return { chars: charsOf(b, canonical), canonical: `${where}:${canonical}`, cache: parseCacheControl(b.cache_control) };
}

function charsOf(b: WireBlock, canonical: string): number {
  switch (b.type) {
    case 'text':
      return (b.text as string).length;
    case 'tool_use':
      return String(b.name ?? '').length + requestJson(b.input ?? {}).length;
    case 'tool_result':
      return typeof b.content === 'string' || Array.isArray(b.content) ? Math.max(toolResultText(b).length, 1) : 1;
    case 'image':
    case 'document':
      return MEDIA_CHARS;
    default:
      return canonical.length;
  }
}

/** Input tokens of a request without touching any cache (`count_tokens`). */
export function countInputTokens(req: MessagesRequest): number {
  return tokensForChars(segments(req).reduce((n, s) => n + s.chars, 0));
}

/**
 * A simulation of Anthropic prompt caching. A block marked `cache_control` makes the
 * prefix up to and including it cacheable; a later request that repeats a cached prefix
 * (at a breakpoint, or up to 20 blocks before one) reads it instead of paying for it.
 * Entries live 5 minutes (or 1 hour with `ttl: '1h'`) and each hit renews them; prefixes
 * under `minTokens` are never cached, as in the real API.
 */
export class PromptCache {
  private readonly entries = new Map<string, { readyAt: number; expiresAt: number; ttlMs: number; tokens: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Bills one request and records the prefixes it writes. They become readable only
   * `readyInMs` later (when the writing request would have finished), so agents that start
   * together all pay the write, as with the real API.
   */
  account(req: MessagesRequest, minTokens: number, readyInMs = 0): TokenAccount {
    const segs = segments(req);
    const hash = createHash('sha256').update(`model:${req.model}\n`);
    const boundaries: { key: string; tokens: number }[] = [];
    const breakpoints: { index: number; ttl: CacheControl['ttl'] }[] = [];
    let chars = 0;
    segs.forEach((s, i) => {
      hash.update(s.canonical).update('\n');
      chars += s.chars;
      boundaries.push({ key: digestCopy(hash), tokens: tokensForChars(chars) });
      if (s.cache) breakpoints.push({ index: i, ttl: s.cache.ttl });
    });
    const total = tokensForChars(chars);
    const now = this.now();
    this.sweep(now);

    let hitIndex = -1;
    for (let b = breakpoints.length - 1; b >= 0 && hitIndex < 0; b--) {
      const bp = breakpoints[b].index;
      for (let i = bp; i >= 0 && i > bp - LOOKBACK_BLOCKS; i--) {
        const entry = this.entries.get(boundaries[i].key);
        if (entry && entry.readyAt <= now && entry.expiresAt > now && entry.tokens >= minTokens) {
          entry.expiresAt = now + entry.ttlMs;
          hitIndex = i;
          break;
        }
      }
    }
    const read = hitIndex >= 0 ? boundaries[hitIndex].tokens : 0;

    let cursor = read;
    const written: Record<CacheControl['ttl'], number> = { '5m': 0, '1h': 0 };
    for (const bp of breakpoints) {
      const { key, tokens } = boundaries[bp.index];
      if (bp.index <= hitIndex || tokens < minTokens) continue;
      written[bp.ttl] += Math.max(0, tokens - cursor);
      cursor = Math.max(cursor, tokens);
      const previous = this.entries.get(key);
      const readyAt = previous && previous.expiresAt > now ? Math.min(previous.readyAt, now + readyInMs) : now + readyInMs;
      this.entries.set(key, { readyAt, expiresAt: now + readyInMs + TTL_MS[bp.ttl], ttlMs: TTL_MS[bp.ttl], tokens });
    }
    const write = written['5m'] + written['1h'];
    return {
      totalTokens: total,
      inputTokens: total - read - write,
      cacheReadTokens: read,
      cacheWriteTokens: write,
      cacheWrite5mTokens: written['5m'],
      cacheWrite1hTokens: written['1h'],
    };
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    // Sweeping on every call would make each request O(cache size); expired entries are
    // already ignored on lookup, so only bound the memory.
    if (this.entries.size < 10_000) return;
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}

function digestCopy(hash: Hash): string {
  return hash.copy().digest('hex');
}
