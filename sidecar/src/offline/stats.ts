import type { AnswerKind } from './answer-types';
import type { TokenAccount } from './prompt-cache';

/** What the offline model has seen since it started or was last reset (`GET /_offline/stats`). */
export interface OfflineStats {
  /** `POST /v1/messages` requests received, whatever became of them. */
  readonly requests: number;
  /** Answered 200. */
  readonly ok: number;
  /** Answered 429 rate_limit_error. */
  readonly rateLimited: number;
  /** Answered 529 overloaded_error. */
  readonly overloaded: number;
  /** Socket destroyed without an answer. */
  readonly dropped: number;
  /** Answered 400 (bad body, or `[offline:fail]`). */
  readonly invalid: number;
  /** The client went away before the answer was ready (cancelled agents). */
  readonly aborted: number;
  /** Message requests being processed right now, latency included. */
  readonly inFlight: number;
  /** The most that were ever in flight at once. */
  readonly maxInFlight: number;
  /** 200 answers per prompt key: the text of the request's first user message. */
  readonly byPrompt: Readonly<Record<string, number>>;
  /** 200 answers per kind of answer (plan, structured, tool_use …). */
  readonly byKind: Readonly<Partial<Record<AnswerKind, number>>>;
  /** Sums of the `usage` fields of 200 answers. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** input + cache read + cache write. */
  readonly totalInputTokens: number;
  readonly countTokensRequests: number;
}

export type Outcome = 'rateLimited' | 'overloaded' | 'dropped' | 'invalid' | 'aborted';

/** Mutable counters behind `stats()`; snapshots are plain JSON. */
export class StatsRecorder {
  private counts = zero();
  private readonly byPrompt = new Map<string, number>();
  private byKind: Partial<Record<AnswerKind, number>> = {};
  private inFlight = 0;
  private maxInFlight = 0;

  received(): void {
    this.counts.requests++;
  }

  enter(): void {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  /** Requests in flight right now, this one included once it has entered. */
  get current(): number {
    return this.inFlight;
  }

  leave(): void {
    this.inFlight--;
  }

  failed(outcome: Outcome): void {
    this.counts[outcome]++;
  }

  answered(key: string, kind: AnswerKind, tokens: TokenAccount, outputTokens: number): void {
    this.counts.ok++;
    this.byPrompt.set(key, (this.byPrompt.get(key) ?? 0) + 1);
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    this.counts.inputTokens += tokens.inputTokens;
    this.counts.outputTokens += outputTokens;
    this.counts.cacheReadTokens += tokens.cacheReadTokens;
    this.counts.cacheWriteTokens += tokens.cacheWriteTokens;
    this.counts.totalInputTokens += tokens.totalTokens;
  }

  countedTokens(): void {
    this.counts.countTokensRequests++;
  }

  /** Zeroes everything but the requests still in flight (they will still leave). */
  reset(): void {
    this.counts = zero();
    this.byPrompt.clear();
    this.byKind = {};
    this.maxInFlight = this.inFlight;
  }

  snapshot(): OfflineStats {
    return {
      ...this.counts,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      byPrompt: Object.fromEntries(this.byPrompt),
      byKind: { ...this.byKind },
    };
  }
}

function zero() {
  return {
    requests: 0,
    ok: 0,
    rateLimited: 0,
    overloaded: 0,
    dropped: 0,
    invalid: 0,
    aborted: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    totalInputTokens: 0,
    countTokensRequests: 0,
  };
}
