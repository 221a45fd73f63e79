import type { CallbackRunEvent, CallbackRunSource } from '../../src/callbacks/types';
import type { RunRecord, RunStatus, StoredEvent } from '../../src/core/types';
import { runRecord } from './run-record';

/** An in-memory stand-in for the engine as the callback service sees it: records, status events, recorded outcomes. */
export class FakeRuns implements CallbackRunSource {
  readonly runs = new Map<string, RunRecord>();
  readonly recorded: Array<{ runId: string; event: CallbackRunEvent }> = [];
  private readonly listeners = new Set<{ runId: string | null; fn: (e: StoredEvent) => void }>();
  private nextId = 1;

  /** Sets the run's status (creating it if needed) and publishes a run.status event, as the engine does. */
  set(id: string, status: RunStatus, patch: Partial<RunRecord> = {}): RunRecord {
    const run = runRecord(id, status, { ...this.runs.get(id), ...patch, status });
    this.runs.set(id, run);
    const e: StoredEvent = { id: this.nextId++, runId: id, at: new Date().toISOString(), event: { type: 'run.status', status } };
    for (const l of [...this.listeners]) if (l.runId === null || l.runId === id) l.fn(e);
    return run;
  }

  /** Changes the record without an event, as when it changed while nothing was listening. */
  setSilently(id: string, status: RunStatus, patch: Partial<RunRecord> = {}): void {
    this.runs.set(id, runRecord(id, status, { ...this.runs.get(id), ...patch, status }));
  }

  subscribe(runId: string | null, fn: (e: StoredEvent) => void): () => void {
    const l = { runId, fn };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return this.runs.get(id) ?? null;
  }

  record(runId: string, event: CallbackRunEvent): void {
    this.recorded.push({ runId, event });
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
