import { DwError, RunCancelledError } from '../errors/errors';

interface Waiter {
  readonly memoryMb: number;
  readonly resolve: (release: () => void) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/**
 * The sidecar's ceiling on executing runs: at most `maxRuns` at once, and their script heaps
 * together at most `maxMemoryMb`. Runs past the ceiling wait their turn, first come first
 * served (a large run is never overtaken forever by small ones).
 */
export class RunSlots {
  private runs = 0;
  private memoryMb = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly maxRuns: number,
    private readonly maxMemoryMb: number,
  ) {}

  /** Runs holding a slot, and runs waiting for one. */
  get executing(): number {
    return this.runs;
  }
  get waiting(): number {
    return this.waiters.length;
  }

  /** Whether a run needing `memoryMb` would start at once. */
  free(memoryMb: number): boolean {
    return this.waiters.length === 0 && this.fits(memoryMb);
  }

  /** Resolves with the slot's release function once the run may execute; rejects on abort. */
  acquire(memoryMb: number, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(reason(signal));
    if (this.free(memoryMb)) return Promise.resolve(this.take(memoryMb));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        memoryMb,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(reason(signal));
          this.drain();
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private fits(memoryMb: number): boolean {
    return this.runs < this.maxRuns && this.memoryMb + memoryMb <= this.maxMemoryMb;
  }

  private take(memoryMb: number): () => void {
    this.runs += 1;
    this.memoryMb += memoryMb;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.runs -= 1;
      this.memoryMb -= memoryMb;
      this.drain();
    };
  }

  private drain(): void {
    while (this.waiters.length && this.fits(this.waiters[0].memoryMb)) {
      const w = this.waiters.shift()!;
      w.signal.removeEventListener('abort', w.onAbort);
      w.resolve(this.take(w.memoryMb));
    }
  }
}

function reason(signal: AbortSignal): DwError {
  const r: unknown = signal.reason;
  return r instanceof DwError ? r : new RunCancelledError();
}
