import type ivm from 'isolated-vm';

interface Watch {
  readonly isolate: ivm.Isolate;
  readonly baseline: bigint;
  readonly limit: bigint;
  readonly onExceeded: () => void;
}

/**
 * One timer for every running isolate in the process. isolated-vm's `timeout` covers only a
 * synchronous call into the isolate, not the continuations that run after a host promise
 * resolves, so the isolate's CPU time is polled and the run is ended from here.
 */
class CpuWatchdog {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | null = null;
  private intervalMs = Infinity;

  /** Starts counting now; `onExceeded` runs once, from the timer, when `cpuMs` is used up. */
  watch(isolate: ivm.Isolate, cpuMs: number, pollMs: number, onExceeded: () => void): () => void {
    const w: Watch = { isolate, baseline: isolate.cpuTime, limit: BigInt(Math.ceil(cpuMs * 1e6)), onExceeded };
    this.watches.add(w);
    if (this.timer === null || pollMs < this.intervalMs) this.restart(pollMs);
    return () => {
      this.watches.delete(w);
      if (this.watches.size === 0) this.stop();
    };
  }

  private restart(intervalMs: number): void {
    this.stop();
    this.intervalMs = intervalMs;
    this.timer = setInterval(() => this.tick(), intervalMs);
    // The watchdog must never be what keeps the process alive.
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.intervalMs = Infinity;
  }

  private tick(): void {
    for (const w of this.watches) {
      let used: bigint;
      try {
        if (w.isolate.isDisposed) continue;
        used = w.isolate.cpuTime - w.baseline;
      } catch {
        continue;
      }
      if (used > w.limit) {
        this.watches.delete(w);
        w.onExceeded();
      }
    }
    if (this.watches.size === 0) this.stop();
  }
}

export const cpuWatchdog = new CpuWatchdog();
