import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RunRecord, RunSpec, RunStatus } from '../core/types';

interface RunRow {
  record: string;
}

/** Run records: the record as JSON plus the columns lists filter and sort on. */
export class RunStore {
  private readonly insertStmt: StatementSync;
  private readonly updateStmt: StatementSync;
  private readonly getStmt: StatementSync;
  private readonly scriptStmt: StatementSync;
  private readonly setScriptStmt: StatementSync;
  private readonly specStmt: StatementSync;
  private ord: number;

  constructor(private readonly db: DatabaseSync) {
    this.insertStmt = db.prepare('INSERT INTO runs (id, ord, status, created_at, record, script, spec) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.updateStmt = db.prepare('UPDATE runs SET status = ?, record = ? WHERE id = ?');
    this.getStmt = db.prepare('SELECT record FROM runs WHERE id = ?');
    this.scriptStmt = db.prepare('SELECT script FROM runs WHERE id = ?');
    this.setScriptStmt = db.prepare('UPDATE runs SET script = ? WHERE id = ?');
    this.specStmt = db.prepare('SELECT spec FROM runs WHERE id = ?');
    const row = db.prepare('SELECT MAX(ord) AS m FROM runs').get() as { m: number | null } | undefined;
    this.ord = row?.m ?? 0;
  }

  insert(run: RunRecord, spec: RunSpec, script: string | null): void {
    this.ord += 1;
    this.insertStmt.run(run.id, this.ord, run.status, run.createdAt, JSON.stringify(run), script, JSON.stringify(spec));
  }

  update(run: RunRecord): void {
    this.updateStmt.run(run.status, JSON.stringify(run), run.id);
  }

  get(id: string): RunRecord | null {
    const row = this.getStmt.get(id) as RunRow | undefined;
    return row ? (JSON.parse(row.record) as RunRecord) : null;
  }

  script(id: string): string | null {
    const row = this.scriptStmt.get(id) as { script: string | null } | undefined;
    return row?.script ?? null;
  }

  setScript(id: string, script: string): void {
    this.setScriptStmt.run(script, id);
  }

  spec(id: string): RunSpec | null {
    const row = this.specStmt.get(id) as { spec: string } | undefined;
    return row ? (JSON.parse(row.spec) as RunSpec) : null;
  }

  /** Newest first; the cursor is the `ord` of the last run of the previous page. */
  list(q: { status?: RunStatus; limit: number; before?: number }): { runs: RunRecord[]; last: number | null } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.status) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.before !== undefined) {
      where.push('ord < ?');
      params.push(q.before);
    }
    const sql = `SELECT record, ord FROM runs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ord DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, q.limit + 1) as unknown as { record: string; ord: number }[];
    const page = rows.slice(0, q.limit);
    return {
      runs: page.map((r) => JSON.parse(r.record) as RunRecord),
      last: rows.length > q.limit ? page[page.length - 1].ord : null,
    };
  }

  /** Runs that were not finished when the process last stopped. */
  unfinished(): RunRecord[] {
    const rows = this.db
      .prepare("SELECT record FROM runs WHERE status IN ('queued', 'planning', 'running') ORDER BY ord")
      .all() as unknown as RunRow[];
    return rows.map((r) => JSON.parse(r.record) as RunRecord);
  }
}
