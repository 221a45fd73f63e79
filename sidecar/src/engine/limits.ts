import { LimitAboveCeilingError, ValidationError } from '../errors/errors';
import type { SidecarConfig } from '../config/config';
import { RUN_LIMITS, SIDECAR_LIMITS } from '../core/limits';
import type { RunLimits } from '../core/types';

/**
 * The run's limits: the operator's values, lowered where the request asks. The operator's
 * values are ceilings: asking for more is a 400 naming the limit and the ceiling.
 */
export function resolveLimits(
  config: Pick<SidecarConfig, 'limits' | 'maxParallelCeiling' | 'maxSandboxMemoryMb'>,
  asked: Partial<RunLimits> | undefined,
): RunLimits {
  const out: Record<string, number> = { ...config.limits };
  for (const [k, v] of Object.entries(asked ?? {})) {
    if (v === undefined || v === null) continue;
    if (!Object.hasOwn(RUN_LIMITS, k)) throw new ValidationError(`Unknown limit \`${k}\``);
    const key = k as keyof RunLimits;
    const spec = RUN_LIMITS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min) {
      throw new ValidationError(`Expected \`limits.${k}\` to be a number >= ${spec.min}, got ${JSON.stringify(v)}`);
    }
    const [ceiling, env] =
      key === 'maxParallel' ? [config.maxParallelCeiling, SIDECAR_LIMITS.maxParallelCeiling.env] : [config.limits[key], spec.env];
    if (v > ceiling) throw new LimitAboveCeilingError(k, v, ceiling, env);
    out[k] = spec.fractional ? v : Math.floor(v);
  }
  if (out.memoryMb > config.maxSandboxMemoryMb) {
    throw new LimitAboveCeilingError('memoryMb', out.memoryMb, config.maxSandboxMemoryMb, SIDECAR_LIMITS.maxSandboxMemoryMb.env);
  }
  return out as unknown as RunLimits;
}
