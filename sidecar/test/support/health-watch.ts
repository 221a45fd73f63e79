/**
 * Watches the sidecar while an attack runs: polls GET /healthz (every answer must come) and
 * reads the sidecar's own event-loop delay from /metrics (prom-client's monitorEventLoopDelay
 * histogram, reset by each scrape), so a test can assert that the sidecar's event loop stayed
 * free throughout.
 *
 * Two figures, because they measure different things on a shared 2-core machine: `loopMaxMs`
 * is the longest the sidecar's event loop was held (what an attack can cause, and what delays
 * every request); `maxMs` is the slowest /healthz round trip seen from the test process, which
 * also counts the test process's own scheduling and the other test workers on the CPU.
 */
export interface HealthReport {
  /** Slowest /healthz round trip seen by the test process, in ms. */
  readonly maxMs: number;
  /** Longest event-loop delay inside the sidecar while watched, in ms (null without a token). */
  readonly loopMaxMs: number | null;
  readonly answers: number;
  readonly failures: number;
}

export interface HealthWatch {
  /** Stops polling and reports. */
  stop(): Promise<HealthReport>;
}

/** The bound: the sidecar's event loop is never held longer than this. */
export const LOOP_BOUND_MS = 100;
/** A round trip from the test process; looser, since it counts the test machine's load too. */
export const ROUND_TRIP_BOUND_MS = 1_000;

/** The sidecar's event-loop delay maximum since the previous scrape, in ms. */
async function scrapeLoopMaxMs(baseUrl: string, token: string): Promise<number> {
  const r = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
  const text = await r.text();
  const m = /^dw_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  if (!r.ok || !m) throw new Error(`no event-loop metric in /metrics (HTTP ${r.status})`);
  return Number(m[1]) * 1000;
}

export async function watchHealth(baseUrl: string, everyMs = 50, opts: { token?: string } = {}): Promise<HealthWatch> {
  // The first scrape resets the histogram: what the second one reads is the watched interval.
  if (opts.token) await scrapeLoopMaxMs(baseUrl, opts.token);
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
      const loopMaxMs = opts.token ? await scrapeLoopMaxMs(baseUrl, opts.token) : null;
      return { maxMs, loopMaxMs, answers, failures };
    },
  };
}

/** Every /healthz answered, the sidecar's loop never held past LOOP_BOUND_MS. */
export function expectPrompt(h: HealthReport): void {
  expect(h.failures).toBe(0);
  expect(h.answers).toBeGreaterThan(0);
  expect(h.loopMaxMs).not.toBeNull();
  expect(h.loopMaxMs!).toBeLessThan(LOOP_BOUND_MS);
  expect(h.maxMs).toBeLessThan(ROUND_TRIP_BOUND_MS);
}
