import { ValidationError } from '../errors/errors';
import type { SidecarConfig } from '../config/config';
import type { RunLimits } from './types';

const BOUNDS: Record<keyof RunLimits, [number, number]> = {
  maxParallel: [1, 4096],
  maxAgents: [1, 100_000],
  maxTokens: [1, 1e12],
  maxUsd: [0, 1e9],
  deadlineMs: [1, 7 * 24 * 3_600_000],
  cpuMs: [1, 3_600_000],
  memoryMb: [8, 4096],
};

/** The run's limits: the operator's defaults, narrowed or raised by the request within bounds. */
export function resolveLimits(config: SidecarConfig, asked: Partial<RunLimits> | undefined): RunLimits {
  const out: Record<string, number> = { ...config.limits };
  for (const [k, v] of Object.entries(asked ?? {})) {
    if (v === undefined || v === null) continue;
    const bounds = BOUNDS[k as keyof RunLimits];
    if (!bounds) throw new ValidationError(`Unknown limit \`${k}\``);
    const hi = k === 'maxParallel' ? config.maxParallelCeiling : bounds[1];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < bounds[0] || v > hi) {
      throw new ValidationError(`Expected \`limits.${k}\` to be a number in ${bounds[0]}..${hi}, got ${JSON.stringify(v)}`);
    }
    out[k] = k === 'maxUsd' ? v : Math.floor(v);
  }
  return out as unknown as RunLimits;
}
