import type { BaseLogger } from 'pino';
import type { ErrorInfo } from '../errors/errors';
import type { CallbackEvent, RunEvent, RunRecord, RunStatus, StoredEvent, Usage } from '../core/types';
import type { CallbackStore, GroupWait } from '../core/callback-store';
import type { CallbackHosts } from './hosts';
import type { CallbackPoster } from './post';

export type {
  CallbackDelivery,
  CallbackGroup,
  CallbackRegistration,
  CallbackStore,
  DeliveryState,
  GroupState,
  GroupWait,
} from '../core/callback-store';

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
  getRun(runId: string): Promise<RunRecord | null>;
  /** Appends a delivery outcome to the run's events. */
  record(runId: string, event: CallbackRunEvent): void;
}

export interface CallbackServiceOptions {
  /** Where registrations, deliveries and groups live (SQLite, or Postgres shared by several sidecars). */
  readonly store: CallbackStore;
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
  /**
   * How long a claimed delivery stays this process's (its lease): a process that dies mid-POST
   * leaves the row to another one after this. Longer than `timeoutMs`, so a live sender's POST
   * has ended (sent or timed out) before its lease does. @default timeoutMs + 30_000
   */
  readonly leaseMs?: number;
  /**
   * How often the outbox is looked at besides the moments this process knows of (its own
   * enqueues and retries): with a shared store, other processes enqueue and die too. 0 turns it
   * off. @default 2_000 on Postgres, 0 on SQLite
   */
  readonly pollMs?: number;
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
