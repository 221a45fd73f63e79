/**
 * How the verification helpers compare answers (runs inside the isolate): a key per answer,
 * null for "not a vote".
 */
import { canonicalJson } from '../../core/canonical-json';
import { optionError } from './options';

export type KeyFunction = (value: unknown) => string | null;

/**
 * Text as a comparison key: case, spacing and punctuation do not count ("**1,888**" and
 * "1888." are the same answer), but a decimal point or a minus sign inside a number does.
 */
export function normaliseText(text: unknown): string {
  let s = String(text);
  try {
    s = s.normalize('NFKC');
  } catch {
    /* no ICU: compare as written */
  }
  return s
    .toLowerCase()
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
    .replace(/[^\p{L}\p{N}.-]+/gu, ' ')
    .replace(/-(?!\d)|(?<!\d)\.|\.(?!\d)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function defaultKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = normaliseText(value);
    return text === '' ? null : text;
  }
  return canonicalJson(value);
}

/**
 * How answers are compared: key is a function (answer => anything; null means "not a vote"),
 * the name of a field of schema answers, or absent (normalised text, or canonical JSON).
 */
export function keyFunction(helper: string, key: unknown): KeyFunction {
  if (key === undefined || key === null) return defaultKey;
  if (typeof key === 'function') {
    return (value) => {
      const k: unknown = (key as (v: unknown) => unknown)(value);
      return k === null || k === undefined ? null : typeof k === 'string' ? k : canonicalJson(k);
    };
  }
  if (typeof key === 'string') {
    return (value) => defaultKey(value !== null && typeof value === 'object' ? (value as Readonly<Record<string, unknown>>)[key] : value);
  }
  throw optionError(helper, 'expected key to be a function or the name of a field');
}
