import { ValidationError } from '../errors/errors';
import type { CallbackEvent, RunRecord, RunStatus } from '../core/types';
import { DEFAULT_CALLBACK_EVENTS, callbackPayload, isCallbackEvent, isHttpUrl } from './spec';
import type { CallbackGroupSpec, GroupPayload, GroupRunPayload, GroupWait } from './types';

export const GROUP_WAITS: readonly GroupWait[] = ['all', 'any', 'first'];

/** Run ids one group may name, duplicates included. @default of CallbackServiceOptions.maxGroupRuns */
export const DEFAULT_MAX_GROUP_RUNS = 1000;

/**
 * Largest group body: n8n's default request body limit (N8N_PAYLOAD_SIZE_MAX, 16 MiB). A thousand
 * results of up to 1 MiB each would not fit; a bigger body is refused and the wait never resumes.
 */
export const MAX_GROUP_BODY_BYTES = 16 * 1024 * 1024;

/** A group spec after its checks: `runIds` as given (duplicates kept, in order), `count` set for `any`. */
export interface NormalizedGroupSpec {
  readonly runIds: readonly string[];
  readonly distinct: readonly string[];
  readonly wait: GroupWait;
  readonly count: number | null;
  readonly url: string;
  readonly events: readonly CallbackEvent[];
}

/** Checks a group spec from any caller (the HTTP schema checks too; the service must not trust that). The size limit is the service's. */
export function normalizeGroupSpec(spec: CallbackGroupSpec): NormalizedGroupSpec {
  if (typeof spec.url !== 'string' || !isHttpUrl(spec.url)) {
    throw new ValidationError('Expected `url` to be an absolute http or https URL without credentials');
  }
  if (!Array.isArray(spec.runIds) || spec.runIds.length === 0 || !spec.runIds.every((id) => typeof id === 'string' && id !== '')) {
    throw new ValidationError('Expected `runIds` to be a non-empty list of run ids');
  }
  const wait = spec.wait ?? 'all';
  if (!GROUP_WAITS.includes(wait)) throw new ValidationError(`Expected \`wait\` to be one of ${GROUP_WAITS.join(', ')}`);
  const events = spec.events === undefined ? [...DEFAULT_CALLBACK_EVENTS] : [...new Set(spec.events)];
  if (events.length === 0 || !events.every(isCallbackEvent)) {
    throw new ValidationError('Expected `events` to be a non-empty subset of converged, failed, cancelled, awaiting_approval');
  }
  const distinct = [...new Set(spec.runIds)];
  let count: number | null = null;
  if (wait === 'any') {
    count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > distinct.length) {
      throw new ValidationError(`Expected \`count\` to be an integer in 1..${distinct.length} (the distinct runs named)`);
    }
  } else if (spec.count !== undefined) {
    throw new ValidationError('`count` applies only to `wait: "any"`');
  }
  if (wait === 'first' && !events.includes('converged')) {
    throw new ValidationError('`wait: "first"` waits for a run to converge: `events` must include converged');
  }
  return { runIds: [...spec.runIds], distinct, wait, count, url: spec.url, events };
}

/** Whether a run counts as ended for a group: its status is one of the group's events. */
export function hasEnded(run: { readonly status: RunStatus } | null, events: readonly CallbackEvent[]): boolean {
  return !!run && isCallbackEvent(run.status) && events.includes(run.status);
}

/**
 * Whether the group's condition holds for the runs as they are now (`runs` in the order of
 * `distinct`, read lazily and only as far as needed; null for a run that no longer exists,
 * which never ends):
 * - `all`: every run has ended;
 * - `any`: at least `count` runs have ended;
 * - `first`: a run has converged, or every run has ended without one converging (there is no
 *   winner to wait for any more, so the wait ends with all of them rather than never).
 */
export function conditionHolds(
  group: { readonly wait: GroupWait; readonly count: number | null; readonly events: readonly CallbackEvent[] },
  runs: Iterable<{ readonly status: RunStatus } | null>,
): boolean {
  let ended = 0;
  let allEnded = true;
  for (const run of runs) {
    const hasIt = hasEnded(run, group.events);
    if (group.wait === 'first' && run?.status === 'converged') return true;
    if (group.wait === 'any' && hasIt && ++ended >= (group.count ?? 1)) return true;
    if (!hasIt) {
      allEnded = false;
      // Neither `all` nor (without a converged run) `first` can hold any more.
      if (group.wait === 'all') return false;
    }
  }
  return group.wait !== 'any' && allEnded;
}

/**
 * The one body POSTed for a group: every distinct run as the single-run callback reports it, plus
 * whether it has ended. When the results together would make it larger than `maxBytes`, the
 * largest results are left out (`result: null, resultOmitted: true`; GET /v1/runs/:id has them)
 * until it fits: a body n8n refuses would leave the wait parked forever.
 */
export function groupPayload(
  group: {
    readonly id: string | null;
    readonly wait: GroupWait;
    readonly count: number | null;
    readonly runIds: readonly string[];
    readonly events: readonly CallbackEvent[];
  },
  distinct: readonly string[],
  runs: readonly (RunRecord | null)[],
  maxBytes: number = MAX_GROUP_BODY_BYTES,
): GroupPayload {
  const entries: GroupRunPayload[] = distinct.map((runId, i) => {
    const run = runs[i] ?? null;
    if (!run) return { runId, status: 'unknown', ended: false, usage: null };
    const { runId: _id, ...rest } = callbackPayload(run);
    return { runId, ...rest, ended: hasEnded(run, group.events) };
  });
  // Measured with the whole spec besides the entries: a little more than the body, never less.
  let size = Buffer.byteLength(JSON.stringify({ group, entries }));
  if (size > maxBytes) {
    const bySize = entries
      .map((e, i) => ({ i, bytes: e.result === undefined ? 0 : Buffer.byteLength(JSON.stringify(e.result ?? null)) }))
      .filter((e) => e.bytes > 4)
      .sort((a, b) => b.bytes - a.bytes);
    for (const { i, bytes } of bySize) {
      if (size <= maxBytes) break;
      entries[i] = { ...entries[i]!, result: null, resultOmitted: true };
      // `null` and the marker replace the result.
      size += 25 - bytes;
    }
  }
  return {
    groupId: group.id,
    wait: group.wait,
    ...(group.count !== null ? { count: group.count } : {}),
    runIds: group.runIds,
    runs: entries,
  };
}
