/**
 * Polls GET /healthz while an attack runs and records the slowest answer, so a test can
 * assert that the sidecar's event loop stayed free throughout.
 */
export interface HealthWatch {
  /** Stops polling; the slowest answer in ms and how many answers there were. */
  stop(): Promise<{ maxMs: number; answers: number; failures: number }>;
}

export function watchHealth(baseUrl: string, everyMs = 50): HealthWatch {
  let stopped = false;
  let maxMs = 0;
  let answers = 0;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
        await r.arrayBuffer();
        if (r.ok) answers += 1;
        else failures += 1;
      } catch {
        failures += 1;
      }
      maxMs = Math.max(maxMs, performance.now() - t0);
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { maxMs, answers, failures };
    },
  };
}
