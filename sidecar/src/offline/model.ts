import { setTimeout as sleep } from 'node:timers/promises';
import { composeAnswer } from './answer';
import { answerQuiz } from './quiz-answer';
import { invalidRequest, OfflineApiError } from './api-error';
import { parseDirectives, type Directives } from './directives';
import { DEFAULT_KNOBS, validateKnobs, type OfflineKnobs } from './knobs';
import { buildMessage, type OfflineMessage } from './message';
import { countInputTokens, PromptCache } from './prompt-cache';
import { requestJson, SeededRandom, sha256Hex, unitFromHash } from './random';
import { ObservationLog, type Observations } from './observations';
import { StatsRecorder, type OfflineStats } from './stats';
import { parseMessagesRequest, promptKey, type MessagesRequest } from './wire';

/** Options of the offline model (and of its server): the starting knobs, plus these. */
export interface OfflineModelOptions extends Partial<OfflineKnobs> {
  /** Clock of the prompt cache's expiry (tests move it). @default Date.now */
  readonly now?: () => number;
  /** Model ids listed by `GET /v1/models` (any model id is accepted by /v1/messages). @default a few current Claude ids */
  readonly models?: readonly string[];
}

export type MessagesOutcome =
  | { readonly kind: 'message'; readonly message: OfflineMessage; readonly stream: boolean; readonly latencyMs: number }
  | { readonly kind: 'error'; readonly error: OfflineApiError; readonly retryAfterSec?: number }
  | { readonly kind: 'drop' };

export interface ModelInfo {
  readonly type: 'model';
  readonly id: string;
  readonly display_name: string;
  readonly created_at: string;
}

type Fault = 'drop' | 'overloaded' | 'rateLimited';

const DEFAULT_MODELS = ['offline-claude', 'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5'];
const MODELS_CREATED_AT = '2025-10-01T00:00:00Z';

/**
 * The offline model without its HTTP server: deterministic answers, simulated prompt
 * caching, injected latency and faults, and the stats tests read.
 */
export class OfflineModel {
  private current: OfflineKnobs;
  private ordinal = 0;
  private requestIds = 0;
  /** Calls per prompt key, for the `[offline:overloaded=N]`-style directives. */
  private readonly attempts = new Map<string, number>();
  private readonly cache: PromptCache;
  private readonly recorder = new StatsRecorder();
  private readonly log = new ObservationLog();
  private readonly modelIds: readonly string[];

  constructor(opts: OfflineModelOptions = {}) {
    const knobs = Object.fromEntries(Object.entries(opts).filter(([k]) => k in DEFAULT_KNOBS));
    this.current = { ...DEFAULT_KNOBS, ...validateKnobs(knobs) };
    this.cache = new PromptCache(opts.now);
    this.modelIds = opts.models ?? DEFAULT_MODELS;
  }

  knobs(): OfflineKnobs {
    return this.current;
  }

  /** Changes some knobs (validated, named in the error); returns the whole set. */
  setKnobs(partial: unknown): OfflineKnobs {
    this.current = { ...this.current, ...validateKnobs(partial) };
    return this.current;
  }

  /** Zeroes the stats, the request ordinal, per-prompt attempt counts and the prompt cache; knobs stay unless `knobs` is set. */
  reset(opts: { readonly knobs?: boolean } = {}): void {
    this.recorder.reset();
    this.log.reset();
    this.ordinal = 0;
    this.attempts.clear();
    this.cache.clear();
    if (opts.knobs) this.current = DEFAULT_KNOBS;
  }

  stats(): OfflineStats {
    return this.recorder.snapshot();
  }

  /** Each message request since start or reset: arrival, end, in flight, outcome, retry-after. */
  observations(): Observations {
    return this.log.snapshot();
  }

  nextRequestId(): string {
    return `req_offline_${String(++this.requestIds).padStart(6, '0')}`;
  }

  /** One `POST /v1/messages`: faults by ordinal, then the body, directives, latency and the answer. */
  async messages(body: unknown, signal?: AbortSignal): Promise<MessagesOutcome> {
    const n = ++this.ordinal;
    this.recorder.received();
    this.recorder.enter();
    const seen = this.log.begin(n, this.recorder.current);
    let outcome: MessagesOutcome | null = null;
    try {
      const fault = this.faultByOrdinal(n);
      if (fault) {
        seen.key = keyOf(body);
        return (outcome = this.fault(fault, `request #${n} since reset, by the knobs`));
      }
      const req = parseMessagesRequest(body);
      const key = promptKey(req);
      seen.key = key;
      const directives = parseDirectives(`${key}\n${req.system.map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n')}`);
      if (directives.fail !== null) throw invalidRequest(directives.fail);
      const keyFault = this.faultByPrompt(key, directives);
      if (keyFault) return (outcome = this.fault(keyFault, 'requested by a prompt directive'));

      const k = this.current;
      const delay = k.latencyMs + this.jitter(n) + directives.sleepMs;
      const hash = requestHash(req);
      const tokens = this.cache.account(req, k.minCacheTokens, delay);
      const idPrefix = `toolu_offline_${hash.slice(0, 20)}_`;
      // Quiz prompts first: their finding texts name files that would otherwise draw a read_file.
      const answer =
        (k.quiz && answerQuiz(req, k.quiz, idPrefix)) || composeAnswer({ req, directives, rnd: new SeededRandom(hash), idPrefix });
      const message = buildMessage(`msg_offline_${hash.slice(0, 16)}_${n}`, req.model, answer, req.maxTokens, tokens);
      if (delay > 0) await sleep(delay, undefined, { signal });
      else if (signal?.aborted) throw signal.reason;
      this.recorder.answered(key, answer.kind, tokens, message.usage.output_tokens);
      return (outcome = { kind: 'message', message, stream: req.stream, latencyMs: delay });
    } catch (err) {
      if (err instanceof OfflineApiError) {
        this.recorder.failed('invalid');
        return (outcome = { kind: 'error', error: err });
      }
      if (signal?.aborted) {
        this.recorder.failed('aborted');
        this.log.end(seen, 'aborted');
        return { kind: 'drop' };
      }
      throw err;
    } finally {
      this.recorder.leave();
      if (seen.outcome === 'pending') this.log.end(seen, observed(outcome), outcome?.kind === 'error' ? outcome.retryAfterSec : undefined);
    }
  }

  /** `POST /v1/messages/count_tokens`: the same estimate as `usage`, with no cache and no knobs. */
  countTokens(body: unknown): { input_tokens: number } {
    const req = parseMessagesRequest(body, true);
    this.recorder.countedTokens();
    return { input_tokens: countInputTokens(req) };
  }

  listModels(): ModelInfo[] {
    return this.modelIds.map((id) => ({ type: 'model', id, display_name: `${id} (offline)`, created_at: MODELS_CREATED_AT }));
  }

  private faultByOrdinal(n: number): Fault | null {
    const k = this.current;
    if (k.dropEvery > 0 && n % k.dropEvery === 0) return 'drop';
    if (k.overloadEvery > 0 && n % k.overloadEvery === 0) return 'overloaded';
    if (k.rateLimitEvery > 0 && n % k.rateLimitEvery === 0) return 'rateLimited';
    if (k.rateLimitConcurrency > 0 && this.recorder.current > k.rateLimitConcurrency) return 'rateLimited';
    if (k.rateLimitFraction > 0 && unitFromHash(sha256Hex(`rate:${k.seed}:${n}`)) < k.rateLimitFraction) return 'rateLimited';
    return null;
  }

  /** Drops first, then 529s, then 429s: the first calls of a prompt fail in that order. */
  private faultByPrompt(key: string, d: Directives): Fault | null {
    if (d.dropped + d.overloaded + d.rateLimited === 0) return null;
    const a = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, a);
    if (a <= d.dropped) return 'drop';
    if (a <= d.dropped + d.overloaded) return 'overloaded';
    if (a <= d.dropped + d.overloaded + d.rateLimited) return 'rateLimited';
    return null;
  }

  private fault(fault: Fault, why: string): MessagesOutcome {
    this.recorder.failed(fault === 'drop' ? 'dropped' : fault);
    if (fault === 'drop') return { kind: 'drop' };
    if (fault === 'overloaded')
      return { kind: 'error', error: new OfflineApiError('overloaded_error', `Overloaded (offline model, ${why})`) };
    return {
      kind: 'error',
      error: new OfflineApiError('rate_limit_error', `This request would exceed your rate limit (offline model, ${why})`),
      retryAfterSec: this.current.retryAfterSec,
    };
  }

  private jitter(n: number): number {
    const j = this.current.latencyJitterMs;
    return j > 0 ? Math.floor(unitFromHash(sha256Hex(`jitter:${this.current.seed}:${n}`)) * (j + 1)) : 0;
  }
}

/** What the observation log calls an outcome (a thrown internal error is an `invalid`). */
function observed(outcome: MessagesOutcome | null): 'ok' | 'rateLimited' | 'overloaded' | 'dropped' | 'invalid' {
  if (outcome === null) return 'invalid';
  if (outcome.kind === 'message') return 'ok';
  if (outcome.kind === 'drop') return 'dropped';
  return outcome.error.type === 'rate_limit_error' ? 'rateLimited' : outcome.error.type === 'overloaded_error' ? 'overloaded' : 'invalid';
}

/** The prompt key of a body that was not parsed (a fault answered first), or null. */
function keyOf(body: unknown): string | null {
  try {
    return promptKey(parseMessagesRequest(body));
  } catch {
    return null;
  }
}

/** What makes two requests "the same": everything that can change the answer. */
function requestHash(req: MessagesRequest): string {
  return sha256Hex(
    requestJson({
      model: req.model,
      system: req.system,
      messages: req.messages,
      tools: req.tools.map((t) => t.raw),
      tool_choice: req.toolChoice,
      json: req.jsonSchema,
    }),
  );
}
