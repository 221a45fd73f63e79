import type { Directives } from './directives';
import type { SeededRandom } from './random';
import type { MessagesRequest } from './wire';

export type AnswerBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown };

/** Which behaviour produced an answer (counted in stats, useful in tests). */
export type AnswerKind = 'plan' | 'repair' | 'structured' | 'tool_use' | 'text' | 'tool_followup' | 'json';

export interface Answer {
  readonly kind: AnswerKind;
  readonly content: readonly AnswerBlock[];
  readonly stopReason: 'end_turn' | 'tool_use';
}

/** Everything an answer may depend on; nothing else (no clock, no counters) so answers are deterministic. */
export interface AnswerInput {
  readonly req: MessagesRequest;
  readonly directives: Directives;
  /** Seeded from the request's hash. */
  readonly rnd: SeededRandom;
  /** Stable prefix for tool_use ids of this request. */
  readonly idPrefix: string;
}
