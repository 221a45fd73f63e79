import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AgentRecord, AgentStatus } from '../core/types';

interface Row {
  record: string;
}

/**
 * The per-run agent journal. A row is written when the script issues the call (before it is
 * dispatched) and rewritten when it completes (before the script sees the result), so a
 * replay after a crash finds every completed call by (fingerprint, occurrence).
 */
export class Journal {
  private readonly upsertStmt: StatementSync;
  private readonly byFpStmt: StatementSync;
  private readonly bySeqStmt: StatementSync;
  private readonly maxSeqStmt: StatementSync;
  private readonly countStmt: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.upsertStmt = db.prepare(
      'INSERT INTO agents (run_id, seq, fingerprint, occurrence, status, record) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (run_id, seq) DO UPDATE SET status = excluded.status, record = excluded.record',
    );
    this.byFpStmt = db.prepare('SELECT record FROM agents WHERE run_id = ? AND fingerprint = ? AND occurrence = ?');
    this.bySeqStmt = db.prepare('SELECT record FROM agents WHERE run_id = ? AND seq = ?');
    this.maxSeqStmt = db.prepare('SELECT MAX(seq) AS m FROM agents WHERE run_id = ?');
    this.countStmt = db.prepare('SELECT status, COUNT(*) AS n FROM agents WHERE run_id = ? GROUP BY status');
  }

  private depth = 0;

  /**
   * Runs `fn` in one SQLite transaction: the journal row, its event and the run record of
   * one step commit together, one WAL commit instead of three. Nested calls join the outer one.
   */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.db.exec('BEGIN');
    this.depth++;
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      // A COMMIT that fails (a deferred constraint) leaves the transaction open: roll it back.
      // A ROLLBACK SQLite already did on its own has nothing left to undo.
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth--;
    }
  }

  write(a: AgentRecord): void {
    this.upsertStmt.run(a.runId, a.seq, a.fingerprint, a.occurrence, a.status, JSON.stringify(a));
  }

  find(runId: string, fingerprint: string, occurrence: number): AgentRecord | null {
    const row = this.byFpStmt.get(runId, fingerprint, occurrence) as Row | undefined;
    return row ? (JSON.parse(row.record) as AgentRecord) : null;
  }

  get(runId: string, seq: number): AgentRecord | null {
    const row = this.bySeqStmt.get(runId, seq) as Row | undefined;
    return row ? (JSON.parse(row.record) as AgentRecord) : null;
  }

  maxSeq(runId: string): number {
    const row = this.maxSeqStmt.get(runId) as { m: number | null } | undefined;
    return row?.m ?? 0;
  }

  list(runId: string, q: { status?: AgentStatus; offset: number; limit: number }): { agents: AgentRecord[]; total: number } {
    const where = q.status ? 'run_id = ? AND status = ?' : 'run_id = ?';
    const params: string[] = q.status ? [runId, q.status] : [runId];
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM agents WHERE ${where}`).get(...params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT record FROM agents WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`)
      .all(...params, q.limit, q.offset) as unknown as Row[];
    return { agents: rows.map((r) => JSON.parse(r.record) as AgentRecord), total };
  }
}
