import type { DatabaseSync } from 'node:sqlite';
import type { BaseLogger } from 'pino';
import type { ErrorInfo } from '../errors/errors';
import type { CallbackEvent, RunEvent, RunRecord, RunStatus, StoredEvent, Usage } from '../core/types';
import type { CallbackHosts } from './hosts';
import type { CallbackPoster } from './post';

/** The JSON body POSTed to a callback URL (shared contract with the n8n Wait node). */
export interface CallbackPayload {
  readonly runId: string;
  readonly status: RunStatus;
  /** Present when the run converged. */
  readonly result?: unknown;
  /** Present when the run failed or was cancelled with a reason. */
  readonly error?: ErrorInfo;
  readonly usage: Usage;
}

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

/** The body of POST /v1/callbacks: one callback for a set of runs (n8n resumes an execution once). */
export interface CallbackGroupSpec {
  /** The runs, in the caller's order (one per n8n item); a run may be named more than once. */
  readonly runIds: readonly string[];
  /** @default 'all' */
  readonly wait?: GroupWait;
  /** For `wait: 'any'`: how many runs must have ended. @default 1 */
  readonly count?: number;
  readonly url: string;
  /** The run states that count as ended. @default converged, failed, cancelled */
  readonly events?: readonly CallbackEvent[];
  /**
   * When the condition already holds at registration: `deliver` registers and delivers at once;
   * `answer` registers nothing and returns the body in the answer instead (a caller that can go
   * on at once, as Wait for Convergence does). @default 'deliver'
   */
  readonly ifAlreadyMet?: 'deliver' | 'answer';
}

/** One run in a group's callback body: the single-run body, plus whether it counts as ended. */
export interface GroupRunPayload {
  readonly runId: string;
  /** `unknown` for a run that no longer exists (pruned). */
  readonly status: RunStatus | 'unknown';
  readonly result?: unknown;
  /** The result was left out to keep the body under its limit (16 MiB); GET /v1/runs/:id has it. */
  readonly resultOmitted?: true;
  readonly error?: ErrorInfo;
  readonly usage: Usage | null;
  /** Its status is one of the group's events. Runs that have not ended appear with their current status. */
  readonly ended: boolean;
}

/** The JSON body POSTed once for a group. */
export interface GroupPayload {
  /** Null in the answer of a registration that was not stored (`ifAlreadyMet: 'answer'`). */
  readonly groupId: string | null;
  readonly wait: GroupWait;
  readonly count?: number;
  /** As registered: duplicates and order kept, so a caller can map runs back to its items. */
  readonly runIds: readonly string[];
  /** Each distinct run once, in the order of first mention. */
  readonly runs: readonly GroupRunPayload[];
}

/** `open` until the condition holds; then its one delivery goes through the outbox states. */
export type GroupState = 'open' | DeliveryState;

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

/** One POST of one run status to one registration, persisted so a restart neither loses nor repeats it. */
export interface CallbackDelivery {
  readonly id: number;
  readonly registrationId: string;
  readonly runId: string;
  readonly url: string;
  readonly status: CallbackEvent;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** Unix ms of the next attempt while pending. */
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly httpStatus: number | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RetryOptions {
  /** Delay before the second attempt; doubles per attempt. @default 500 */
  readonly baseMs: number;
  /** Longest delay between two attempts. @default 300_000 */
  readonly maxMs: number;
  /** Attempts in all (the first one included) before a delivery is given up as failed. @default 30 */
  readonly maxAttempts: number;
  /**
   * Delays before the first retries of a POST that n8n refused with 409 "is running already"
   * (the execution is not saved as waiting yet, which takes milliseconds); after them such a
   * delivery joins the normal backoff from `baseMs`. @default [25, 50, 100, 200, 400]
   */
  readonly notWaitingMs: readonly number[];
}

export type CallbackLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

export type CallbackRunEvent = Extract<RunEvent, { type: 'callback.delivered' | 'callback.failed' }>;

/**
 * What the callback service needs of the runs, handed to it at construction (the engine, through
 * a small adapter): stored events to follow, the current record, and a way to add events.
 */
export interface CallbackRunSource {
  /** Stored events as they are appended, of one run or (null) of all; returns an unsubscribe function. */
  subscribe(runId: string | null, listener: (e: StoredEvent) => void): () => void;
  /** The run's record as it is now, or null when there is no such run. */
  getRun(runId: string): RunRecord | null;
  /** Appends a delivery outcome to the run's events. */
  record(runId: string, event: CallbackRunEvent): void;
}

export interface CallbackServiceOptions {
  /** Where registrations and deliveries live; the service creates its own tables. */
  readonly db: DatabaseSync;
  /** The runs whose status changes are delivered. */
  readonly runs: CallbackRunSource;
  /** Where callbacks may go (DW_CALLBACK_HOSTS); checked at registration and on every connection. */
  readonly hosts: CallbackHosts;
  /** HMAC key for `x-dw-signature`; null sends deliveries unsigned (development mode only). */
  readonly secret: string | null;
  /** Sends one POST. @default createPoster(hosts): node:http(s) through the hosts' checked lookup */
  readonly post?: CallbackPoster;
  readonly logger?: CallbackLogger;
  /** Clock for timestamps and scheduling, in unix ms. @default Date.now */
  readonly now?: () => number;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  readonly retry?: Partial<RetryOptions>;
  /** Time limit of one POST, from the moment it is sent. @default 10_000 */
  readonly timeoutMs?: number;
  /** Deliveries POSTed at once. @default 8 */
  readonly concurrency?: number;
  /** How long stop() waits for POSTs in flight before aborting them. @default 5_000 */
  readonly stopGraceMs?: number;
  /** Callback URLs one run may have. @default 5 */
  readonly maxPerRun?: number;
  /** Run ids one group (POST /v1/callbacks) may name, duplicates included. @default 1000 */
  readonly maxGroupRuns?: number;
  /** Told of each delivery's end, delivered or finally failed (metrics). */
  readonly onOutcome?: (event: CallbackRunEvent) => void;
}
