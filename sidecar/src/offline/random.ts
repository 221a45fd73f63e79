import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json';

const CACHE_CONTROL = new Set(['cache_control']);

/**
 * JSON with object keys sorted and `cache_control` dropped, so two requests that differ
 * only in key order or cache breakpoints hash the same (as the real prompt cache does).
 */
export function requestJson(value: unknown): string {
  return canonicalJson(value, CACHE_CONTROL);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A pseudo-random stream derived from a seed by hashing `seed:counter`: the offline model
 * must answer the same request the same way every time, so nothing here reads Math.random.
 */
export class SeededRandom {
  private counter = 0;
  constructor(private readonly seed: string) {}

  /** A number in [0, 1). */
  next(): number {
    return unitFromHash(sha256Hex(`${this.seed}:${this.counter++}`));
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A child stream, so filling one part of an answer does not shift the draws of another. */
  fork(label: string): SeededRandom {
    return new SeededRandom(`${this.seed}/${label}`);
  }
}

/** The first 48 bits of a hex digest as a fraction in [0, 1). */
export function unitFromHash(hex: string): number {
  return parseInt(hex.slice(0, 12), 16) / 2 ** 48;
}
