import { ValidationError } from '../../errors/errors';
import { DEFAULT_FALSE_SHARE, findingIsValid, openQuestion, parseQuizMarker, yesNoQuestion, type QuizKind } from './bank';
import { pickOf, unit, weightedIndex } from './random';

/**
 * How the offline model answers quiz prompts (prompts carrying a `[quiz:kind:index]` marker).
 *
 * The error model. Each call errs or not from a hash of the seed and the whole request
 * (system + prompt): voters whose prompts differ (another voter number, another angle) err
 * independently; the very same prompt always gets the very same answer.
 * - independent: every call errs with probability `errorRate`. A wrong open answer is one
 *   of 12 plausible values (off by one, swapped digits …) with weights ∝ 1/√rank, so two
 *   wrong voters rarely agree; a wrong yes/no answer or verdict is the other one.
 * - correlated: each question gets a difficulty d = min(1, 2·errorRate·u), u uniform from
 *   the seed and the question, so the mean error rate is still `errorRate` (for rates up to
 *   0.5) but some questions are much harder than others; a call on that question errs with
 *   probability d, and 60% of wrong open answers are the question's one popular wrong value
 *   (its "trap"). Agreement among voters is then no longer proof of being right.
 */
export interface QuizKnobs {
  /** Probability that one call answers wrong (the mean over questions in correlated mode). */
  readonly errorRate: number;
  /** Correlate errors across the agents answering the same question (see above). @default false */
  readonly correlated?: boolean;
  /** Seed of the question bank and of every error draw. @default 0 */
  readonly seed?: number;
  /** Share of findings that are planted false ones; must match the bank's. @default 0.3 */
  readonly falseShare?: number;
}

export interface QuizRequest {
  /** The task text (the first user message). */
  readonly prompt: string;
  readonly system?: string | null;
  /** Free text, or a JSON object for this schema (StructuredOutput). */
  readonly wants: 'text' | { readonly schema: Readonly<Record<string, unknown>> };
}

export type QuizReply = { readonly text: string } | { readonly json: unknown };

/** Share of wrong open answers that go to the question's trap value in correlated mode. */
export const TRAP_SHARE = 0.6;

/** Checks knobs from outside (offline model knobs, env) and names the bad one. */
export function validateQuizKnobs(knobs: unknown): QuizKnobs {
  if (knobs === null || typeof knobs !== 'object' || Array.isArray(knobs)) throw new ValidationError('Expected `quiz` to be an object');
  const k = knobs as Record<string, unknown>;
  const num = (name: string, min: number, max: number, integer = false): void => {
    const v = k[name];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new ValidationError(
        `Expected \`quiz.${name}\` to be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got ${JSON.stringify(v)}`,
      );
    }
  };
  if (k.errorRate === undefined) throw new ValidationError('Expected `quiz.errorRate` to be a number in 0..1');
  num('errorRate', 0, 1);
  num('seed', 0, 2 ** 31, true);
  num('falseShare', 0, 1);
  if (k.correlated !== undefined && typeof k.correlated !== 'boolean')
    throw new ValidationError('Expected `quiz.correlated` to be a boolean');
  return k as unknown as QuizKnobs;
}

/**
 * The answer to a quiz prompt, or null when the prompt carries no quiz marker (the offline
 * model then answers as usual). Right or wrong as the error model above says.
 */
export function quizAnswer(request: QuizRequest, knobs: QuizKnobs): QuizReply | null {
  const system = request.system ?? '';
  const marker = parseQuizMarker(request.prompt) ?? parseQuizMarker(system);
  if (!marker) return null;
  const seed = knobs.seed ?? 0;
  const call = `${system}\u0001${request.prompt}`;
  const errs = unit(seed, 'err', call) < errorChance(marker.kind, marker.index, knobs);
  const schema = request.wants === 'text' ? null : request.wants.schema;
  switch (marker.kind) {
    case 'open': {
      const q = openQuestion(seed, marker.index);
      const value = errs ? wrongValue(q.wrong, seed, call, knobs.correlated === true) : q.answer;
      return schema
        ? { json: fill(schema, { value, reason: `Worked it out step by step: ${value}.` }) }
        : { text: numberText(value, seed, call) };
    }
    case 'yesno': {
      const right = yesNoQuestion(seed, marker.index).answer === 'yes';
      const yes = errs ? !right : right;
      return schema
        ? { json: fill(schema, { value: yes, reason: yes ? 'It holds.' : 'It does not hold.' }) }
        : { text: yesNoText(yes, seed, call) };
    }
    case 'finding': {
      const holds = findingIsValid(seed, marker.index, knobs.falseShare ?? DEFAULT_FALSE_SHARE);
      const verdict = holds !== errs ? 'valid' : 'refuted';
      const reason =
        verdict === 'valid'
          ? 'I tried to refute it and could not: the code does what the finding says.'
          : 'It does not hold: the code path guards against exactly this.';
      return schema
        ? { json: fill(schema, { value: verdict, reason }) }
        : { text: `${verdict === 'valid' ? 'Valid' : 'Refuted'}. ${reason}` };
    }
  }
}

function errorChance(kind: QuizKind, index: number, knobs: QuizKnobs): number {
  if (knobs.correlated !== true) return knobs.errorRate;
  return Math.min(1, 2 * knobs.errorRate * unit(knobs.seed ?? 0, 'difficulty', kind, index));
}

const POPULARITY = Array.from({ length: 64 }, (_, rank) => 1 / Math.sqrt(rank + 1));

function wrongValue(wrong: readonly number[], seed: number, call: string, correlated: boolean): number {
  if (correlated && unit(seed, 'trap', call) < TRAP_SHARE) return wrong[0];
  return wrong[weightedIndex(POPULARITY.slice(0, wrong.length), seed, 'wrong', call)];
}

/** The same number written the ways models write it: the consensus normaliser must see through these. */
function numberText(value: number, seed: number, call: string): string {
  const grouped = value.toLocaleString('en-US');
  return pickOf([`${value}`, `${value}.`, ` ${value}\n`, grouped, `**${grouped}**`], seed, 'format', call);
}

function yesNoText(yes: boolean, seed: number, call: string): string {
  const word = yes ? 'yes' : 'no';
  const cap = word[0].toUpperCase() + word.slice(1);
  return pickOf([cap, `${word}.`, word.toUpperCase(), `${cap}!`, `**${cap}**`], seed, 'format', call);
}

type Schema = Readonly<Record<string, unknown>>;
const isSchema = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A JSON value for `schema` carrying `value`: the property that fits the value's type (a
 * `verdict`/`answer` field, a boolean, an enum holding it) gets it, other string fields the
 * reason. Good enough for the schemas the helpers and the bench use; not a general generator.
 */
function fill(schema: Schema, facts: { value: number | boolean | string; reason: string }): unknown {
  if (schema.type !== 'object' || !isSchema(schema.properties)) return facts.value;
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [name, raw] of Object.entries(schema.properties)) {
    const prop = isSchema(raw) ? raw : {};
    const fitted = placed ? undefined : fitValue(name, prop, facts.value);
    if (fitted !== undefined) {
      out[name] = fitted;
      placed = true;
    } else if (prop.type === 'string' || prop.type === undefined) out[name] = Array.isArray(prop.enum) ? prop.enum[0] : facts.reason;
    else if (prop.type === 'number' || prop.type === 'integer') out[name] = 0;
    else if (prop.type === 'boolean') out[name] = false;
    else if (prop.type === 'array') out[name] = [];
  }
  return out;
}

function fitValue(name: string, prop: Schema, value: number | boolean | string): unknown {
  const enumValues = Array.isArray(prop.enum) ? prop.enum : null;
  if (typeof value === 'boolean') {
    if (prop.type === 'boolean') return value;
    const word = value ? 'yes' : 'no';
    if (enumValues) return enumValues.find((e) => typeof e === 'string' && e.toLowerCase() === word);
    return /^(answer|value|result|verdict)$/i.test(name) ? word : undefined;
  }
  if (typeof value === 'number') {
    if (prop.type === 'number' || prop.type === 'integer') return value;
    return /^(answer|value|result)$/i.test(name) && !enumValues ? String(value) : undefined;
  }
  if (enumValues) return enumValues.includes(value) ? value : undefined;
  if (prop.type === 'boolean' && /valid|confirmed|holds/i.test(name)) return value === 'valid';
  return /^(verdict|answer|result)$/i.test(name) ? value : undefined;
}
