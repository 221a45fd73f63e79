import type { CallbackEvent } from './types';

/** A callback URL registered for one run. Re-registering the same URL for a run replaces its events. */
export interface CallbackRegistration {
  readonly id: string;
  readonly runId: string;
  readonly url: string;
  readonly events: readonly CallbackEvent[];
  readonly createdAt: string;
}

export type DeliveryState = 'pending' | 'delivering' | 'delivered' | 'failed';

/** When a group's one callback is due: every run ended, `count` of them ended, or one converged. */
export type GroupWait = 'all' | 'any' | 'first';

/** `open` until the condition holds; then its one delivery goes through the outbox states. */
export type GroupState = 'open' | DeliveryState;

/** One POST of one run status to one registration, persisted so a restart neither loses nor repeats it. */
export interface CallbackDelivery {
  readonly id: number;
  readonly registrationId: string;
  readonly runId: string;
  readonly url: string;
  readonly status: CallbackEvent;
  readonly state: DeliveryState;
  /** Claims so far; the current claim's token (see `CallbackStore.finishDelivery`). */
  readonly attempts: number;
  /** Unix ms of the next attempt while pending. */
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly httpStatus: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A delivery row with the body it will POST. */
export interface DueDelivery extends CallbackDelivery {
  readonly body: string;
}

/** A registered group and its delivery. */
export interface CallbackGroup {
  readonly id: string;
  readonly url: string;
  readonly runIds: readonly string[];
  readonly wait: GroupWait;
  readonly count: number | null;
  readonly events: readonly CallbackEvent[];
  readonly state: GroupState;
  readonly attempts: number;
  readonly httpStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A group with what its delivery needs. */
export interface StoredGroup extends CallbackGroup {
  /** Each run once, in the order of first mention. */
  readonly distinct: readonly string[];
  readonly body: string | null;
  readonly nextAttemptAt: number | null;
}

/** A group as it is registered (stored `open`). */
export interface NewGroup {
  readonly id: string;
  readonly url: string;
  readonly runIds: readonly string[];
  readonly wait: GroupWait;
  readonly count: number | null;
  readonly events: readonly CallbackEvent[];
}

/** How an attempt ended, as the outbox keeps it. */
export interface AttemptEnd {
  /** `pending` schedules another attempt at `nextAttemptAt`; `delivered` and `failed` are final. */
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly httpStatus: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: number;
}

/**
 * The callbacks' durable state: registrations, the outbox of run deliveries, and callback groups
 * (fan-in, each its own outbox row). Two implementations: SQLite (`store/sqlite-callbacks.ts`,
 * the embedded sidecar) and Postgres (`store/postgres/callbacks.ts`, several sidecars sharing one
 * database).
 *
 * Sending is claim → POST → finish. A claim moves a due row to `delivering` atomically (one
 * process wins it), counts an attempt and sets a deadline, the lease: a row whose holder died
 * mid-POST is claimable again once its lease is over. The holder's `attempts` after the claim is
 * its token: `finish…` with a token that is no longer the row's (the lease ran out and another
 * process took the row over) changes nothing and returns false, so one attempt is recorded once.
 * Times are unix ms from the caller's clock.
 */
export interface CallbackStore {
  readonly kind: 'sqlite' | 'postgres';

  /** Registers `url` for the run, or replaces the events of an existing registration of that URL; returns the stored one. */
  upsertRegistration(reg: CallbackRegistration): Promise<CallbackRegistration>;
  registrations(runId: string): Promise<CallbackRegistration[]>;
  /** Registrations that have not had a final status of their run enqueued. */
  openRegistrations(): Promise<CallbackRegistration[]>;

  /** Adds a pending delivery, due at `now`; false when this registration has one for this status already (the unique key). */
  enqueue(reg: CallbackRegistration, status: CallbackEvent, body: string, now: number): Promise<boolean>;
  delivery(id: number): Promise<DueDelivery | null>;
  deliveries(runId: string): Promise<DueDelivery[]>;
  /**
   * Claims up to `limit` deliveries that are due (pending and `nextAttemptAt <= now`, or delivering
   * with a lease that ended), oldest due first. A registration's deliveries go out in order, one at
   * a time: only the first of its unfinished deliveries is ever claimable.
   */
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]>;
  /** Ends the attempt claimed with token `attempts`; false when the claim is no longer this one's. */
  finishDelivery(id: number, attempts: number, end: AttemptEnd, now: number): Promise<boolean>;

  /** Stores an open group with its runs; null when a group holds its URL already. */
  insertGroup(group: NewGroup, now: number): Promise<StoredGroup | null>;
  group(id: string): Promise<StoredGroup | null>;
  groupByUrl(url: string): Promise<StoredGroup | null>;
  /** Open groups that name the run. */
  openGroupsOf(runId: string): Promise<StoredGroup[]>;
  openGroups(): Promise<StoredGroup[]>;
  /** Fixes the body and makes the delivery due; false when the group was not open (another caller settled it). */
  settleGroup(id: string, body: string, now: number): Promise<boolean>;
  /** As `claimDeliveries`, for groups whose condition held. */
  claimGroups(now: number, limit: number, leaseMs: number): Promise<StoredGroup[]>;
  finishGroup(id: string, attempts: number, end: AttemptEnd, now: number): Promise<boolean>;

  /** The soonest moment a delivery or group becomes claimable (a retry, or a lease that ends), or null. */
  nextDueAt(): Promise<number | null>;
  /**
   * At start, makes claims no process holds any more due now: on SQLite (one process per data
   * folder) every claim; on Postgres only claims whose lease ended. Returns how many.
   */
  requeueInterrupted(now: number): Promise<number>;
  /** Releases what the store opened itself (not a database or pool it was given). */
  close(): Promise<void>;
}
