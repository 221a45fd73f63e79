import { createHash } from 'node:crypto';

/**
 * A number in [0, 1) from the hash of `parts`. Everything the quiz decides (questions, who
 * errs, which wrong value) comes from this, so the same inputs always give the same answer
 * and no state is kept between calls.
 */
export function unit(...parts: readonly (string | number)[]): number {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return parseInt(hex.slice(0, 12), 16) / 2 ** 48;
}

/** An integer in [min, max] (inclusive) from the hash of `parts`. */
export function intIn(min: number, max: number, ...parts: readonly (string | number)[]): number {
  return min + Math.floor(unit(...parts) * (max - min + 1));
}

/** One of `items` from the hash of `parts`. */
export function pickOf<T>(items: readonly T[], ...parts: readonly (string | number)[]): T {
  return items[Math.floor(unit(...parts) * items.length)];
}

/** Index drawn with probability proportional to `weights`, from the hash of `parts`. */
export function weightedIndex(weights: readonly number[], ...parts: readonly (string | number)[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = unit(...parts) * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}
