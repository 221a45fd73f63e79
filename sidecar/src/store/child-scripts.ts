import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** The script a run's `workflow()` call ran, as first read: what every later execution of the run runs again. */
export interface ChildScript {
  readonly runId: string;
  /** The call's reference as canonical JSON (`"audit"` or `{"scriptPath":"lib/a.js"}`). */
  readonly ref: string;
  /** The saved workflow's name, or the script's path inside the workflows folder. */
  readonly name: string;
  readonly sha256: string;
  readonly script: string;
  readonly at: string;
}

/**
 * Journal of the child scripts of `workflow()` calls, per run and reference. Written the first time
 * a run calls a reference, before the child runs; a replay of the run (a restart, an agent
 * restarted) runs the journaled text, so editing or deleting the saved file later does not change it.
 */
export class ChildScripts {
  private readonly insertStmt: StatementSync;
  private readonly getStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO child_scripts (run_id, ref, record) VALUES (?, ?, ?)');
    this.getStmt = db.prepare('SELECT record FROM child_scripts WHERE run_id = ? AND ref = ?');
  }

  get(runId: string, ref: string): ChildScript | null {
    const row = this.getStmt.get(runId, ref) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as ChildScript) : null;
  }

  /** Keeps the first script recorded for (run, ref); returns the one that is recorded. */
  record(entry: ChildScript): ChildScript {
    this.insertStmt.run(entry.runId, entry.ref, JSON.stringify(entry));
    return this.get(entry.runId, entry.ref) ?? entry;
  }
}
