/** An open/closed gate that waiters pass only while it is open (pause / resume of a run). */
export class Gate {
  private waiters: (() => void)[] = [];

  /** Waiters held while closed (for tests and diagnostics). */
  get waiting(): number {
    return this.waiters.length;
  }
  private closed = false;

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.closed = false;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves at once when open; otherwise when opened or when the signal aborts (rejects). */
  pass(signal: AbortSignal): Promise<void> {
    if (!this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(reasonOf(signal));
      const waiter = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      // An aborted waiter leaves the list at once, so a long pause does not collect them.
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(reasonOf(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
