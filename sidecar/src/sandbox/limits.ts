import { ValidationError } from '../errors/errors';
import type { SandboxLimits } from './types';

/** isolated-vm refuses a smaller heap. */
export const MIN_MEMORY_MB = 8;

function check(ok: boolean, name: keyof SandboxLimits, expected: string, got: unknown): void {
  if (!ok) throw new ValidationError(`Expected \`limits.${name}\` to be ${expected}, got ${String(got)}`);
}

/** Fails fast, naming the limit, before any isolate is built. */
export function validateLimits(limits: SandboxLimits): SandboxLimits {
  const l = limits as Partial<Record<keyof SandboxLimits, unknown>> | null | undefined;
  if (l === null || typeof l !== 'object') throw new ValidationError('Expected `limits` to be an object');
  const { memoryMb, cpuMs, maxAgents, maxItems, maxResultBytes } = l;
  check(
    typeof memoryMb === 'number' && Number.isFinite(memoryMb) && memoryMb >= MIN_MEMORY_MB,
    'memoryMb',
    `a number of MB, at least ${MIN_MEMORY_MB}`,
    memoryMb,
  );
  check(typeof cpuMs === 'number' && Number.isFinite(cpuMs) && cpuMs > 0, 'cpuMs', 'a positive number of milliseconds', cpuMs);
  check(Number.isInteger(maxAgents) && (maxAgents as number) >= 0, 'maxAgents', 'a non-negative integer', maxAgents);
  check(Number.isInteger(maxItems) && (maxItems as number) >= 0, 'maxItems', 'a non-negative integer', maxItems);
  check(Number.isInteger(maxResultBytes) && (maxResultBytes as number) > 0, 'maxResultBytes', 'a positive integer', maxResultBytes);
  return limits;
}

/**
 * A Map or Set table costs about 28 bytes an entry and doubles when it grows: keeping the
 * largest table under a quarter of the heap leaves room for the doubling (prelude-collections.ts).
 */
export function collectionCap(memoryMb: number): number {
  const entries = (memoryMb * 1024 * 1024) / 4 / 28;
  return Math.max(1024, 2 ** Math.floor(Math.log2(entries)));
}
