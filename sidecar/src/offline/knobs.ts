import { validateQuizKnobs, type QuizKnobs } from '../verification/quiz';
import { ConfigError, ValidationError } from '../errors/errors';

/**
 * What the offline model does to `POST /v1/messages` besides answering: latency and the
 * failures a real provider produces. Faults are chosen by the request's ordinal (the n-th
 * message request since the last reset), never by its content, so a retried request gets
 * through and a test can predict exactly which call fails (`rateLimitConcurrency` aside).
 */
export interface OfflineKnobs {
  /** Milliseconds added to every message call. @default 0 */
  readonly latencyMs: number;
  /** Up to this many more milliseconds, chosen per request from its ordinal. @default 0 */
  readonly latencyJitterMs: number;
  /** Every n-th message request answers 429 rate_limit_error; 0 turns it off. @default 0 */
  readonly rateLimitEvery: number;
  /** This fraction of message requests (picked pseudo-randomly from their ordinal) answers 429. @default 0 */
  readonly rateLimitFraction: number;
  /**
   * A message request that arrives while this many are already in flight answers 429, as
   * a per-key concurrency limit does; 0 turns it off. Unlike the other faults this one
   * depends on timing: it is how a test sees a client back off under pressure. @default 0
   */
  readonly rateLimitConcurrency: number;
  /** Seconds sent in `retry-after` (and as `retry-after-ms`) with a 429; fractions allowed. @default 1 */
  readonly retryAfterSec: number;
  /** Every n-th message request answers 529 overloaded_error; 0 turns it off. @default 0 */
  readonly overloadEvery: number;
  /** Every n-th message request has its socket destroyed without an answer; 0 turns it off. @default 0 */
  readonly dropEvery: number;
  /** Smallest prefix, in tokens, the prompt cache stores (the real API's minimum is 1024 for most models). @default 1024 */
  readonly minCacheTokens: number;
  /** Salt of the pseudo-random fault and jitter stream. @default 0 */
  readonly seed: number;
  /** Quiz mode with ground truth (`{errorRate, correlated, seed}`), for the verification benchmark. @default null */
  readonly quiz: QuizKnobs | null;
}

export const DEFAULT_KNOBS: OfflineKnobs = {
  latencyMs: 0,
  latencyJitterMs: 0,
  rateLimitEvery: 0,
  rateLimitFraction: 0,
  rateLimitConcurrency: 0,
  retryAfterSec: 1,
  overloadEvery: 0,
  dropEvery: 0,
  minCacheTokens: 1024,
  seed: 0,
  quiz: null,
};

type NumericKnob = Exclude<keyof OfflineKnobs, 'quiz'>;

const RANGES: Readonly<Record<NumericKnob, { min: number; max: number; integer: boolean; env: string }>> = {
  latencyMs: { min: 0, max: 600_000, integer: true, env: 'DW_OFFLINE_LATENCY_MS' },
  latencyJitterMs: { min: 0, max: 600_000, integer: true, env: 'DW_OFFLINE_LATENCY_JITTER_MS' },
  rateLimitEvery: { min: 0, max: 1e9, integer: true, env: 'DW_OFFLINE_RATE_LIMIT_EVERY' },
  rateLimitFraction: { min: 0, max: 1, integer: false, env: 'DW_OFFLINE_RATE_LIMIT_FRACTION' },
  rateLimitConcurrency: { min: 0, max: 1e6, integer: true, env: 'DW_OFFLINE_RATE_LIMIT_CONCURRENCY' },
  retryAfterSec: { min: 0, max: 3600, integer: false, env: 'DW_OFFLINE_RETRY_AFTER_SEC' },
  overloadEvery: { min: 0, max: 1e9, integer: true, env: 'DW_OFFLINE_OVERLOAD_EVERY' },
  dropEvery: { min: 0, max: 1e9, integer: true, env: 'DW_OFFLINE_DROP_EVERY' },
  minCacheTokens: { min: 0, max: 1e9, integer: true, env: 'DW_OFFLINE_MIN_CACHE_TOKENS' },
  seed: { min: 0, max: 2 ** 31, integer: true, env: 'DW_OFFLINE_SEED' },
};

const QUIZ_ENV = 'DW_OFFLINE_QUIZ';

/**
 * Checks a partial set of knobs (from code or from `POST /_offline/knobs`) and returns it
 * typed; an unknown or out-of-range knob fails with its name.
 */
export function validateKnobs(partial: unknown): Partial<OfflineKnobs> {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new ValidationError('Expected the offline model knobs to be an object');
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (name === 'quiz') {
      if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
        throw new ValidationError('Expected `quiz` to be an object or null');
      }
      out.quiz = value === null ? null : validateQuizKnobs(value);
      continue;
    }
    const range = RANGES[name as NumericKnob] as (typeof RANGES)[NumericKnob] | undefined;
    if (!range) throw new ValidationError(`Unknown offline model knob \`${name}\` (known: ${[...Object.keys(RANGES), 'quiz'].join(', ')})`);
    if (!isInRange(value, range)) {
      throw new ValidationError(
        `Expected \`${name}\` to be ${range.integer ? 'an integer' : 'a number'} in ${range.min}..${range.max}, got ${JSON.stringify(value)}`,
      );
    }
    out[name] = value;
  }
  return out as Partial<OfflineKnobs>;
}

function isInRange(value: unknown, range: { min: number; max: number; integer: boolean }): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= range.min &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value))
  );
}

/**
 * Knobs from the environment (`DW_OFFLINE_LATENCY_MS`, `DW_OFFLINE_LATENCY_JITTER_MS`,
 * `DW_OFFLINE_RATE_LIMIT_EVERY`, `DW_OFFLINE_RATE_LIMIT_FRACTION`, `DW_OFFLINE_RATE_LIMIT_CONCURRENCY`, `DW_OFFLINE_RETRY_AFTER_SEC`,
 * `DW_OFFLINE_OVERLOAD_EVERY`, `DW_OFFLINE_DROP_EVERY`, `DW_OFFLINE_MIN_CACHE_TOKENS`,
 * `DW_OFFLINE_SEED`, `DW_OFFLINE_QUIZ` as JSON). Unset or empty variables are left out.
 */
export function knobsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Partial<OfflineKnobs> {
  const out: Record<string, unknown> = {};
  for (const [name, range] of Object.entries(RANGES)) {
    const raw = env[range.env];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw);
    if (!isInRange(n, range)) {
      throw new ConfigError(
        `Expected \`${range.env}\` to be ${range.integer ? 'an integer' : 'a number'} in ${range.min}..${range.max}, got ${JSON.stringify(raw)}`,
      );
    }
    out[name] = n;
  }
  const quiz = env[QUIZ_ENV];
  if (quiz !== undefined && quiz.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(quiz);
    } catch {
      throw new ConfigError(`Expected \`${QUIZ_ENV}\` to be a JSON object`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new ConfigError(`Expected \`${QUIZ_ENV}\` to be a JSON object`);
    out.quiz = validateQuizKnobs(parsed);
  }
  return out as Partial<OfflineKnobs>;
}
