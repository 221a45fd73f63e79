import type { Usage } from '../core/types';

export type ModelFamily = 'opus' | 'sonnet' | 'haiku' | 'fable' | 'mythos';

/** USD per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  /** 5-minute cache write (the default TTL). */
  readonly cacheWrite5m: number;
  readonly cacheWrite1h: number;
  readonly cacheRead: number;
  /** The family matched in the model id (`sonnet` for the offline model); null for unknown models. */
  readonly family: ModelFamily | null;
  /** False when the model is not in the table and is priced like Sonnet instead. */
  readonly known: boolean;
}

/** The usage block of a Messages API response (fields may be null or absent). */
export interface ApiUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_creation?: {
    readonly ephemeral_5m_input_tokens?: number | null;
    readonly ephemeral_1h_input_tokens?: number | null;
  } | null;
}

type Rates = Omit<ModelPrice, 'family' | 'known'>;

/** Anthropic's cache multipliers: 5-minute write 1.25x input, 1-hour write 2x, read 0.1x. */
function rates(input: number, output: number, over: Partial<Rates> = {}): Rates {
  return { input, output, cacheWrite5m: input * 1.25, cacheWrite1h: input * 2, cacheRead: input * 0.1, ...over };
}

/**
 * List prices, USD per million tokens, keyed `family@major` or `family@major.minor`.
 * Source: Anthropic's pricing page, https://platform.claude.com/docs/en/about-claude/pricing
 * ("Model pricing": base input, 5m and 1h cache writes, cache hits, output), and the model
 * overview pages under https://platform.claude.com/docs/en/about-claude/models/ for the 5.x
 * models. Checked 2026-12-01 (Sonnet 5.5's cache-hit cut from $0.20 to $0.10 of 2026-10-07
 * included). The test (sidecar/test/providers/pricing.test.ts) spells every row out in dollars.
 * Cloud providers bill the same list prices for these models; regional, long-context and
 * batch prices are not modelled.
 */
const TABLE: Readonly<Record<string, Rates>> = {
  'fable@5': rates(10, 50, { cacheRead: 1 }),
  'fable@5.1': rates(10, 50, { cacheRead: 0.25 }),
  'mythos@5': rates(10, 50, { cacheRead: 1 }),
  'mythos@5.1': rates(10, 50, { cacheRead: 0.25 }),
  'opus@3': rates(15, 75),
  'opus@4': rates(15, 75),
  'opus@4.1': rates(15, 75),
  'opus@4.5': rates(5, 25),
  'opus@4.6': rates(5, 25),
  'opus@4.7': rates(5, 25),
  'opus@4.8': rates(5, 25),
  'opus@5': rates(5, 25),
  'opus@5.5': rates(4, 20, { cacheRead: 0.2 }),
  'sonnet@3.5': rates(3, 15),
  'sonnet@3.7': rates(3, 15),
  'sonnet@4': rates(3, 15),
  'sonnet@4.5': rates(3, 15),
  'sonnet@4.6': rates(3, 15),
  'sonnet@5': rates(2, 10, { cacheRead: 0.2 }),
  'sonnet@5.5': rates(2, 10, { cacheRead: 0.1 }),
  'haiku@3': rates(0.25, 1.25, { cacheWrite5m: 0.3, cacheWrite1h: 0.5, cacheRead: 0.03 }),
  'haiku@3.5': rates(0.8, 4, { cacheWrite5m: 1, cacheWrite1h: 1.6, cacheRead: 0.08 }),
  'haiku@4.5': rates(1, 5),
  // Haiku 5.5 is banded by prompt length; this is the band up to 100k prompt tokens.
  'haiku@5.5': rates(0.1, 0.5, { cacheWrite5m: 0.125, cacheWrite1h: 0.2, cacheRead: 0.01 }),
};

/** A newer version of a known family is priced like the newest one listed. */
const FAMILY_LATEST: Readonly<Record<ModelFamily, string>> = {
  fable: 'fable@5.1',
  mythos: 'mythos@5.1',
  opus: 'opus@5.5',
  sonnet: 'sonnet@5.5',
  haiku: 'haiku@5.5',
};

/**
 * Unknown models (and the offline model) are priced at Sonnet's long-standing list price:
 * realistic for budgets in tests, and on the high side so a budget stops a run early rather than late.
 */
const SONNET_REFERENCE = TABLE['sonnet@4.6']!;
const OFFLINE_PREFIX = 'offline';

const FAMILY = '(opus|sonnet|haiku|fable|mythos)';
// `claude-opus-4-5`, `global.anthropic.claude-opus-4-5-…-v1:0`, `claude-opus-4@20250514`: a
// one- or two-digit minor, never the first digits of a date.
const NEW_STYLE = new RegExp(`${FAMILY}-(\\d{1,2})(?!\\d)(?:[-.](\\d{1,2})(?![\\d]))?`);
// `claude-3-5-haiku-20241022`, `anthropic.claude-3-opus-…`.
const OLD_STYLE = new RegExp(`claude-(\\d)(?:-(\\d))?-${FAMILY}`);

function parseModel(model: string): { family: ModelFamily; major: string; minor: string | undefined } | null {
  const id = model.toLowerCase();
  const old = OLD_STYLE.exec(id);
  if (old) return { family: old[3] as ModelFamily, major: old[1]!, minor: old[2] };
  const m = NEW_STYLE.exec(id);
  if (m) return { family: m[1] as ModelFamily, major: m[2]!, minor: m[3] };
  const bare = new RegExp(FAMILY).exec(id);
  if (bare) return { family: bare[1] as ModelFamily, major: '', minor: undefined };
  return null;
}

/** The price of a model, matched across the Anthropic, Bedrock, Vertex and Foundry id forms. */
export function modelPrice(model: string): ModelPrice {
  if (model.toLowerCase().startsWith(OFFLINE_PREFIX)) return { ...SONNET_REFERENCE, family: 'sonnet', known: true };
  const parsed = parseModel(model);
  if (!parsed) return { ...SONNET_REFERENCE, family: null, known: false };
  const { family, major, minor } = parsed;
  const exact = minor !== undefined ? TABLE[`${family}@${major}.${minor}`] : TABLE[`${family}@${major}`];
  if (exact) return { ...exact, family, known: true };
  return { ...TABLE[FAMILY_LATEST[family]]!, family, known: false };
}

function count(n: number | null | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Usage in the engine's shape, priced. Anthropic's `input_tokens` excludes cache reads and
 * writes, so the four counts are disjoint and each is priced at its own rate; the 1-hour
 * part of the cache writes (when the breakdown is given) at the 1-hour rate.
 */
export function priceUsage(model: string, usage: ApiUsage): Usage {
  const p = modelPrice(model);
  const inputTokens = count(usage.input_tokens);
  const outputTokens = count(usage.output_tokens);
  const cacheReadTokens = count(usage.cache_read_input_tokens);
  const breakdown5m = count(usage.cache_creation?.ephemeral_5m_input_tokens);
  const breakdown1h = count(usage.cache_creation?.ephemeral_1h_input_tokens);
  const cacheWriteTokens =
    usage.cache_creation_input_tokens === null || usage.cache_creation_input_tokens === undefined
      ? breakdown5m + breakdown1h
      : count(usage.cache_creation_input_tokens);
  const write1h = Math.min(breakdown1h, cacheWriteTokens);
  const write5m = cacheWriteTokens - write1h;
  const micro =
    inputTokens * p.input + outputTokens * p.output + cacheReadTokens * p.cacheRead + write5m * p.cacheWrite5m + write1h * p.cacheWrite1h;
  // Rounded to a billionth of a dollar so sums of many calls do not show float noise.
  const usd = Math.round((micro / 1_000_000) * 1e9) / 1e9;
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, usd };
}
