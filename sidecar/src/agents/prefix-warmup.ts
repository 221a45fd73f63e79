/**
 * Serialises the first call of each cacheable prompt prefix: the first agent writes the
 * prompt cache, the others of its fan-out wait for it and then read the cache, instead of
 * sixteen agents each paying a cache write for the same prefix.
 */
export class PrefixWarmup {
  private readonly state = new Map<string, true | Promise<void>>();

  /** Resolves when this agent may call; the returned function marks the prefix warm. */
  async acquire(key: string): Promise<() => void> {
    for (;;) {
      const s = this.state.get(key);
      if (s === true) return noop;
      if (s === undefined) break;
      await s;
    }
    let release!: () => void;
    const p = new Promise<void>((r) => {
      release = r;
    });
    this.state.set(key, p);
    return () => {
      this.state.set(key, true);
      release();
    };
  }
}

function noop(): void {}
