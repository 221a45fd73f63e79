import type { CallbackStore } from '../core/callback-store';
import { ConfigError } from '../errors/errors';
import { DEFAULT_MAX_GROUP_RUNS } from './group-spec';
import type { CallbackServiceOptions, RetryOptions } from './types';

const DEFAULT_RETRY: RetryOptions = { baseMs: 500, maxMs: 300_000, maxAttempts: 30, notWaitingMs: [25, 50, 100, 200, 400] };

/** The service's numeric options with their defaults, each checked. */
export interface ServiceSettings {
  readonly retry: RetryOptions;
  readonly timeoutMs: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly concurrency: number;
  readonly stopGraceMs: number;
  readonly maxPerRun: number;
  readonly maxGroupRuns: number;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`Expected \`${name}\` to be a number in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Fills in the defaults and fails fast, naming the option, on a value out of range. */
export function serviceSettings(options: CallbackServiceOptions & { readonly store: Pick<CallbackStore, 'kind'> }): ServiceSettings {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  checkRange('retry.baseMs', retry.baseMs, 1, 86_400_000);
  checkRange('retry.maxMs', retry.maxMs, retry.baseMs, 86_400_000);
  checkRange('retry.maxAttempts', retry.maxAttempts, 1, 10_000);
  if (!Array.isArray(retry.notWaitingMs) || retry.notWaitingMs.length > 100) {
    throw new ConfigError('Expected `retry.notWaitingMs` to be a list of at most 100 delays');
  }
  retry.notWaitingMs.forEach((ms, i) => checkRange(`retry.notWaitingMs[${i}]`, ms, 0, 86_400_000));
  const timeoutMs = checkRange('timeoutMs', options.timeoutMs ?? 10_000, 1, 600_000);
  return {
    retry,
    timeoutMs,
    leaseMs: checkRange('leaseMs', options.leaseMs ?? timeoutMs + 30_000, timeoutMs + 1, 86_400_000),
    pollMs: checkRange('pollMs', options.pollMs ?? (options.store.kind === 'postgres' ? 2_000 : 0), 0, 3_600_000),
    concurrency: checkRange('concurrency', options.concurrency ?? 8, 1, 256),
    stopGraceMs: checkRange('stopGraceMs', options.stopGraceMs ?? 5_000, 0, 600_000),
    maxPerRun: checkRange('maxPerRun', options.maxPerRun ?? 5, 1, 100),
    maxGroupRuns: checkRange('maxGroupRuns', options.maxGroupRuns ?? DEFAULT_MAX_GROUP_RUNS, 1, 100_000),
  };
}
