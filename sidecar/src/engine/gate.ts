/** An open/closed gate that waiters pass only while it is open (pause / resume of a run). */
export class Gate {
  private waiters: (() => void)[] = [];
  private closed = false;

  close(): void { this.closed = true; }

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
      const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => { signal.removeEventListener('abort', onAbort); resolve(); });
    });
  }
}
