import { requestJson, type SeededRandom } from './random';
import { linearRegExp } from '../tools/linear-regexp';
import type { RegExpLike } from 'ajv/dist/types';

type Schema = Readonly<Record<string, unknown>>;

/** What generated strings are made of: words from the prompt, so answers read as about the task. */
export interface ValueContext {
  readonly rnd: SeededRandom;
  /** A short phrase from the prompt, quoted in free-text fields. */
  readonly topic: string;
  /** File-like tokens from the prompt (paths), used for fields named file/path. */
  readonly files: readonly string[];
  /** Lines of the tool results seen so far: free text quotes them, as a model cites what it read. */
  readonly evidence?: readonly string[];
}

const MAX_DEPTH = 12;
const isSchema = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A value that validates against a JSON Schema (objects, arrays, strings, numbers, integers,
 * booleans, null, enum/const, required, min/max bounds, allOf/anyOf/oneOf, local $ref),
 * drawn deterministically from `ctx.rnd`. `pattern` is honoured only when one of a few
 * candidate strings happens to match; the agent's schema retry covers the rest.
 */
export function valueForSchema(schema: unknown, ctx: ValueContext): unknown {
  return generate(schema, ctx, isSchema(schema) ? schema : {}, 'value', 0);
}

function generate(input: unknown, ctx: ValueContext, root: Schema, key: string, depth: number): unknown {
  if (input === true || input === undefined) return ctx.topic;
  if (!isSchema(input)) return null;
  const schema = resolve(input, root, depth);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return ctx.rnd.pick(schema.enum);
  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null;
  if (alternatives && alternatives.length > 0) {
    const { anyOf: _a, oneOf: _o, ...rest } = schema;
    return generate(merge(rest, alternatives[0]), ctx, root, key, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectFor(schema, ctx, root, depth);
    case 'array':
      return arrayFor(schema, ctx, root, key, depth);
    case 'integer':
      return numberFor(schema, ctx, key, true);
    case 'number':
      return numberFor(schema, ctx, key, false);
    case 'boolean':
      return ctx.rnd.next() < 0.5;
    case 'null':
      return null;
    default:
      return stringFor(schema, ctx, key);
  }
}

/** Follows local `$ref`s and folds `allOf` into one schema. */
function resolve(schema: Schema, root: Schema, depth: number): Schema {
  let s = schema;
  for (let hops = 0; typeof s.$ref === 'string' && hops < MAX_DEPTH; hops++) {
    const { $ref, ...rest } = s;
    s = merge(rest, lookup(root, $ref as string));
  }
  if (Array.isArray(s.allOf) && depth < MAX_DEPTH) {
    const { allOf, ...rest } = s;
    s = (allOf as unknown[]).reduce<Schema>((acc, part) => merge(acc, isSchema(part) ? resolve(part, root, depth + 1) : {}), rest);
  }
  return s;
}

function lookup(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const name = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[name] : undefined;
  }
  return isSchema(node) ? node : {};
}

/** Shallow merge that unions `properties` and `required`, which is what allOf of objects needs. */
function merge(a: Schema, b: unknown): Schema {
  if (!isSchema(b)) return a;
  const out: Record<string, unknown> = { ...a, ...b };
  if (isSchema(a.properties) || isSchema(b.properties))
    out.properties = { ...(a.properties as Schema | undefined), ...(b.properties as Schema | undefined) };
  if (Array.isArray(a.required) || Array.isArray(b.required)) {
    out.required = [...new Set([...((a.required as string[] | undefined) ?? []), ...((b.required as string[] | undefined) ?? [])])];
  }
  return out;
}

function typeOf(schema: Schema): string {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (isSchema(schema.properties) || Array.isArray(schema.required)) return 'object';
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
  if (typeof schema.minimum === 'number' || typeof schema.maximum === 'number') return 'number';
  return 'string';
}

function objectFor(schema: Schema, ctx: ValueContext, root: Schema, depth: number): Record<string, unknown> {
  const props = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(props)) {
    // Optional fields appear most of the time, as a model fills in what it knows; past the
    // depth limit only what the schema demands is generated, so recursive schemas end.
    const wanted = required.has(name) || (depth < MAX_DEPTH / 2 && ctx.rnd.next() < 0.75);
    if (wanted) out[name] = generate(props[name], ctx, root, name, depth + 1);
  }
  for (const name of required) if (!(name in out)) out[name] = stringFor({}, ctx, name);
  return out;
}

function arrayFor(schema: Schema, ctx: ValueContext, root: Schema, key: string, depth: number): unknown[] {
  const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : [];
  const rest = Array.isArray(schema.items) ? schema.additionalItems : schema.items;
  const min = Math.max(num(schema.minItems, 0), tuple.length);
  const max = Math.max(min, num(schema.maxItems, Infinity));
  const wanted = depth >= MAX_DEPTH / 2 ? min : Math.min(max, Math.max(min, ctx.rnd.int(1, 3)));
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (let i = 0; out.length < wanted && i < wanted * 8; i++) {
    const item = i < tuple.length ? tuple[i] : rest;
    if (i >= tuple.length && rest === false) break;
    const value = generate(item, ctx, root, singular(key), depth + 1);
    const canonical = requestJson(value);
    if (schema.uniqueItems === true && seen.has(canonical)) continue;
    seen.add(canonical);
    out.push(value);
  }
  return out;
}

function numberFor(schema: Schema, ctx: ValueContext, key: string, integer: boolean): number {
  const unit = /confidence|probability|score|ratio|share/i.test(key) && !integer;
  let lo = num(schema.minimum, unit ? 0 : integer && /line|count|index|number|page/i.test(key) ? 1 : 0);
  let hi = num(schema.maximum, unit ? 1 : Math.max(lo, 0) + 100);
  if (typeof schema.exclusiveMinimum === 'number') lo = Math.max(lo, schema.exclusiveMinimum + (integer ? 1 : 1e-6));
  else if (schema.exclusiveMinimum === true) lo += integer ? 1 : 1e-6;
  if (typeof schema.exclusiveMaximum === 'number') hi = Math.min(hi, schema.exclusiveMaximum - (integer ? 1 : 1e-6));
  else if (schema.exclusiveMaximum === true) hi -= integer ? 1 : 1e-6;
  if (hi < lo) {
    const lowerGiven = typeof schema.minimum === 'number' || schema.exclusiveMinimum !== undefined;
    if (lowerGiven) hi = lo;
    else lo = hi - (unit ? 1 : 100);
  }
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : integer ? 1 : 0;
  if (step > 0) {
    const first = Math.ceil(lo / step);
    const last = Math.max(first, Math.floor(hi / step));
    return ctx.rnd.int(first, last) * step;
  }
  const rounded = Math.round((lo + ctx.rnd.next() * (hi - lo)) * 100) / 100;
  return rounded < lo || rounded > hi ? lo : rounded;
}

function stringFor(schema: Schema, ctx: ValueContext, key: string): string {
  const min = num(schema.minLength, 0);
  const max = num(schema.maxLength, Infinity);
  const candidates = [formatted(schema.format, ctx) ?? baseString(key, ctx)];
  let s = candidates[0];
  if (typeof schema.pattern === 'string') {
    const re = safeRegExp(schema.pattern);
    const pool = [s, ...ctx.topic.split(/\s+/), key, 'a', 'A', '1', 'abc', 'ABC', 'a1', 'x-1', '2025-01-01'];
    s = (re && pool.find((c) => re.test(c))) ?? s;
  }
  if (s.length > max) s = s.slice(0, max);
  while (s.length < min) s += s.length === 0 ? 'x' : ` ${s}`.slice(0, min - s.length);
  return s;
}

function formatted(format: unknown, ctx: ValueContext): string | null {
  const day = String(ctx.rnd.int(1, 28)).padStart(2, '0');
  switch (format) {
    case 'date-time':
      return `2025-01-${day}T12:00:00Z`;
    case 'date':
      return `2025-01-${day}`;
    case 'time':
      return '12:00:00';
    case 'email':
      return `agent${ctx.rnd.int(1, 99)}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/${ctx.rnd.int(1, 999)}`;
    case 'hostname':
      return 'example.com';
    case 'ipv4':
      return `192.0.2.${ctx.rnd.int(1, 254)}`;
    case 'uuid': {
      const hex = Array.from({ length: 32 }, () => ctx.rnd.int(0, 15).toString(16)).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
    }
    default:
      return null;
  }
}

function baseString(key: string, ctx: ValueContext): string {
  if (/file|path/i.test(key)) return ctx.files.length ? ctx.rnd.pick(ctx.files) : 'src/index.ts';
  if (/^(id|.*_id|.*Id)$/.test(key)) return `${key.replace(/_?id$/i, '') || 'item'}-${ctx.rnd.int(1000, 9999)}`;
  if (/name|title|label|tag/i.test(key)) return `${ctx.topic.split(/\s+/).slice(0, 4).join(' ')} ${ctx.rnd.int(1, 9)}`.trim();
  const lead = ctx.rnd.pick(['Observed', 'Noted', 'Found', 'Concluded', 'Checked']);
  if (ctx.evidence && ctx.evidence.length > 0)
    return `${lead} at "${ctx.rnd.pick(ctx.evidence)}": ${humanise(key)} #${ctx.rnd.int(100, 999)}.`;
  return `${lead} for "${ctx.topic}": ${humanise(key)} #${ctx.rnd.int(100, 999)}.`;
}

const humanise = (key: string): string =>
  key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
const singular = (key: string): string => (key.endsWith('ies') ? `${key.slice(0, -3)}y` : key.endsWith('s') ? key.slice(0, -1) : key);
const num = (v: unknown, def: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : def);

/** Linear time: the pattern comes from a script's schema and the pool from its prompt. */
function safeRegExp(pattern: string): RegExpLike | null {
  try {
    return linearRegExp(pattern, 'u');
  } catch {
    return null;
  }
}
