import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { StoredEvent } from '../../core/types';
import { EventBus } from '../event-bus';
import type { EventListener } from '../store';
import { pgDriver } from './driver';

/** Options of the feed of events committed by any process on one database and schema. */
export interface EventFeedOptions {
  /** The database (the LISTEN connection is its own client, not one of the pool's). */
  readonly url: string;
  /** The NOTIFY channel every store on this database and schema uses (`eventChannel`). */
  readonly channel: string;
  /** Every run's events with an id above `afterId`, oldest first, at most `limit`. */
  readonly fetch: (afterId: number, limit: number) => Promise<StoredEvent[]>;
  /** The highest event id committed (0: none). */
  readonly maxId: () => Promise<number>;
  /** Events read per query; a wake-up reads until a page comes back short. @default 1_000 */
  readonly pageSize?: number;
  /** The LISTEN connection was lost (with the reason) or is back; events are caught up on return. */
  readonly onAvailability?: (available: boolean, reason: string) => void;
}

/** The channel of a schema: one per database and schema, at most 63 bytes (Postgres' identifier limit). */
export function eventChannel(schema: string): string {
  const name = `dw_events_${schema}`;
  return Buffer.byteLength(name) <= 63 ? name : `dw_events_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

/**
 * Delivers to this process's subscribers every event committed to the database by any process,
 * each once and in id order. A step that stores events sends `NOTIFY <channel>, '<last id>'` in
 * its transaction (Postgres delivers it at commit, in commit order); this feed LISTENs on a client
 * of its own and, woken, reads `since(cursor)` in one query per page, then moves its one cursor.
 * Ids commit in id order (the store's events lock), so "everything up to id n has committed" holds
 * as soon as n is seen, and reading from the cursor never skips an event that commits later.
 *
 * This process's own steps do not wait for their notification: a step tells the feed the highest
 * id committed before it (read under the lock) and, when the cursor is there already, its events
 * are delivered at once, before `commit` resolves, as the embedded store does. With no subscriber
 * the feed reads no rows: it moves the cursor to the id a notification names.
 *
 * While the LISTEN connection is away the feed reconnects (0.1–2 s apart) and then reads what it
 * missed; nothing is lost, events arrive late.
 */
export class PostgresEventFeed {
  private readonly bus = new EventBus();
  private readonly pageSize: number;
  private cursor = 0;
  private listeners = 0;
  /** Changes on every subscribe: a cursor jump read while nobody listened is void once someone does. */
  private epoch = 0;
  private client: pg.Client | null = null;
  private reading = false;
  private again = false;
  private closed = false;
  private available = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  private constructor(private readonly opts: EventFeedOptions) {
    this.pageSize = opts.pageSize ?? 1_000;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1)
      throw new RangeError(`Expected \`pageSize\` to be an integer >= 1, got ${this.pageSize}`);
  }

  /** Listens, then takes the newest id as the cursor: subscribers hear of events committed from now on. */
  static async start(opts: EventFeedOptions): Promise<PostgresEventFeed> {
    const feed = new PostgresEventFeed(opts);
    await feed.listen();
    feed.cursor = await opts.maxId();
    return feed;
  }

  /** The last id delivered (or skipped while nobody listened). */
  get position(): number {
    return this.cursor;
  }

  subscribe(runId: string | null, listener: EventListener): () => void {
    this.listeners++;
    this.epoch++;
    const off = this.bus.subscribe(runId, listener);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.listeners--;
      off();
    };
  }

  /**
   * This process committed `events` (in id order); `before` is the highest id committed before
   * them. Delivered now when nothing lies between the cursor and them; otherwise read in order.
   */
  committed(before: number, events: readonly StoredEvent[]): void {
    if (events.length === 0 || this.closed) return;
    if (before <= this.cursor) this.deliver(events);
    else this.heard(events[events.length - 1].id);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  /** Everything up to `upTo` has committed. */
  private heard(upTo: number): void {
    // This process's own steps: delivered already, their notification costs no query.
    if (upTo <= this.cursor) return;
    if (this.listeners === 0 && !this.reading) {
      this.cursor = Math.max(this.cursor, upTo);
      return;
    }
    this.wake();
  }

  private deliver(events: readonly StoredEvent[]): void {
    for (const e of events) {
      if (e.id <= this.cursor) continue;
      this.cursor = e.id;
      this.bus.publish(e);
    }
  }

  private wake(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    void this.read().finally(() => {
      this.reading = false;
    });
  }

  private async read(): Promise<void> {
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.closed) return;
          if (this.listeners === 0) {
            const epoch = this.epoch;
            const max = await this.opts.maxId();
            if (this.epoch !== epoch) continue;
            this.cursor = Math.max(this.cursor, max);
            break;
          }
          const page = await this.opts.fetch(this.cursor, this.pageSize);
          this.deliver(page);
          if (page.length < this.pageSize) break;
        }
      } while (this.again && !this.closed);
      this.failures = 0;
      if (this.client) this.report(true, '');
    } catch (err) {
      if (this.closed) return;
      this.report(false, message(err));
      this.retryLater(() => this.wake());
    }
  }

  private async listen(): Promise<void> {
    const client = new (pgDriver().Client)({ connectionString: this.opts.url });
    const lost = (err?: Error): void => {
      if (this.client !== client) return;
      this.client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.report(false, err ? message(err) : 'the LISTEN connection ended');
      this.retryLater(() => void this.reconnect());
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel !== this.opts.channel) return;
      const id = Number(n.payload);
      if (Number.isSafeInteger(id)) this.heard(id);
      else this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.opts.channel)}`);
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.listen();
    } catch (err) {
      this.report(false, message(err));
      this.retryLater(() => void this.reconnect());
      return;
    }
    if (this.closed) {
      await this.close();
      return;
    }
    this.failures = 0;
    this.report(true, '');
    // Notifications sent while away are gone: read from the cursor.
    this.wake();
  }

  private retryLater(fn: () => void): void {
    if (this.closed || this.retryTimer) return;
    this.failures++;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        fn();
      },
      Math.min(100 * this.failures, 2_000),
    );
    this.retryTimer.unref();
  }

  private report(available: boolean, reason: string): void {
    if (available === this.available) return;
    this.available = available;
    this.opts.onAvailability?.(available, reason);
  }
}

function message(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(err);
}
