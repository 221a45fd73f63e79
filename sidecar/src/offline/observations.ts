import type { Outcome } from './stats';

/** What became of one `POST /v1/messages`: `ok` (200), a fault or error, or `pending` while in flight. */
export type ObservedOutcome = 'ok' | Outcome | 'pending';

/** One `POST /v1/messages` as the server saw it. Times are milliseconds since start or reset, on a monotonic clock. */
export interface RequestObservation {
  /** The n-th message request since start or reset (the ordinal the fault knobs use). */
  readonly ordinal: number;
  /** The text of the request's first user message (what tells one agent's calls from another's); null when the body could not be read. */
  readonly key: string | null;
  readonly arrivedMs: number;
  /** When the answer (or the fault) was sent; null while in flight. */
  readonly endedMs: number | null;
  /** Message requests in flight when this one arrived, itself included. */
  readonly inFlight: number;
  readonly outcome: ObservedOutcome;
  /** The `retry-after` a 429 carried, in seconds. */
  readonly retryAfterSec?: number;
}

export interface Observations {
  /** Oldest first; at most the last {@link OBSERVATION_CAP} requests. */
  readonly requests: readonly RequestObservation[];
  /** Older requests left out to stay within the cap. */
  readonly truncated: number;
}

/** Enough for any test or bench cell; a long-lived dev server does not grow without bound. */
export const OBSERVATION_CAP = 20_000;

type Entry = { -readonly [K in keyof RequestObservation]: RequestObservation[K] };

/** The per-request log behind `observations()` (`GET /_offline/observations`). */
export class ObservationLog {
  private entries: Entry[] = [];
  private truncated = 0;
  private epoch = performance.now();

  begin(ordinal: number, inFlight: number): Entry {
    const e: Entry = { ordinal, key: null, arrivedMs: this.elapsed(), endedMs: null, inFlight, outcome: 'pending' };
    this.entries.push(e);
    if (this.entries.length > OBSERVATION_CAP) {
      const over = this.entries.length - OBSERVATION_CAP;
      this.entries.splice(0, over);
      this.truncated += over;
    }
    return e;
  }

  end(e: Entry, outcome: Exclude<ObservedOutcome, 'pending'>, retryAfterSec?: number): void {
    e.endedMs = this.elapsed();
    e.outcome = outcome;
    if (retryAfterSec !== undefined) e.retryAfterSec = retryAfterSec;
  }

  /** Forgets everything and restarts the clock (requests in flight still end, unseen). */
  reset(): void {
    this.entries = [];
    this.truncated = 0;
    this.epoch = performance.now();
  }

  snapshot(): Observations {
    return { requests: this.entries.map((e) => ({ ...e })), truncated: this.truncated };
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.epoch) * 1000) / 1000;
  }
}

/**
 * Message requests in flight over time, from the observations: one point per arrival or
 * end, in time order (an end before an arrival at the same instant). Requests still in
 * flight have no end point.
 */
export function inFlightSeries(requests: readonly RequestObservation[]): { atMs: number; inFlight: number }[] {
  const steps = requests
    .flatMap((r) => [{ at: r.arrivedMs, d: 1 }, ...(r.endedMs === null ? [] : [{ at: r.endedMs, d: -1 }])])
    .sort((a, b) => a.at - b.at || a.d - b.d);
  let n = 0;
  return steps.map((s) => ({ atMs: s.at, inFlight: (n += s.d) }));
}
