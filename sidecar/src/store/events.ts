import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RunEvent, StoredEvent } from '../core/types';
import { EventBus } from './event-bus';

type Listener = (e: StoredEvent) => void;

/**
 * Every run event is stored before it is published, so an SSE reader that reconnects with
 * Last-Event-ID (or arrives late) misses nothing. Ids are global and strictly increasing.
 */
export class EventLog {
  private readonly insertStmt: StatementSync;
  private readonly sinceRunStmt: StatementSync;
  private readonly sinceAllStmt: StatementSync;
  private readonly totalsStmt: StatementSync;
  private readonly bus = new EventBus();

  constructor(db: DatabaseSync) {
    this.insertStmt = db.prepare('INSERT INTO events (run_id, at, data) VALUES (?, ?, ?)');
    this.sinceRunStmt = db.prepare('SELECT id, run_id, at, data FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?');
    this.sinceAllStmt = db.prepare('SELECT id, run_id, at, data FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.totalsStmt = db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS b FROM events WHERE run_id = ?');
  }

  /** Stores the event (`data`: its JSON, when the caller has it), then publishes it; `bytes` is the size of what was stored. */
  append(runId: string, event: RunEvent, data: string = JSON.stringify(event)): StoredEvent & { readonly bytes: number } {
    const at = new Date().toISOString();
    const info = this.insertStmt.run(runId, at, data);
    const stored: StoredEvent = { id: Number(info.lastInsertRowid), runId, at, event };
    this.bus.publish(stored);
    return { ...stored, bytes: data.length };
  }

  /** How many events a run has stored, and their size. */
  totals(runId: string): { count: number; bytes: number } {
    const row = this.totalsStmt.get(runId) as { n: number; b: number | null } | undefined;
    return { count: row?.n ?? 0, bytes: row?.b ?? 0 };
  }

  since(runId: string | null, afterId: number, limit = 10_000): StoredEvent[] {
    const rows = (runId === null ? this.sinceAllStmt.all(afterId, limit) : this.sinceRunStmt.all(runId, afterId, limit)) as unknown as {
      id: number;
      run_id: string;
      at: string;
      data: string;
    }[];
    return rows.map((r) => ({ id: r.id, runId: r.run_id, at: r.at, event: JSON.parse(r.data) as RunEvent }));
  }

  subscribe(runId: string | null, listener: Listener): () => void {
    return this.bus.subscribe(runId, listener);
  }
}
