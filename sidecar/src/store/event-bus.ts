import type { StoredEvent } from '../core/types';

type Listener = (e: StoredEvent) => void;

/** In-process fan-out of stored events, per run and for all runs (`null`). */
export class EventBus {
  private readonly listeners = new Map<string | null, Set<Listener>>();

  subscribe(runId: string | null, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  publish(e: StoredEvent): void {
    this.deliver(e.runId, e);
    this.deliver(null, e);
  }

  private deliver(key: string | null, e: StoredEvent): void {
    const set = this.listeners.get(key);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(e);
      } catch {
        /* a broken subscriber must not break the run */
      }
    }
  }
}
