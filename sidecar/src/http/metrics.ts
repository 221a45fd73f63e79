import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineApi } from '../engine/api';
import type { RunStatus, Usage } from '../core/types';
import { RUN_STATUSES } from '../core/types';

export interface MetricsOptions {
  /** Also export the process metrics (memory, CPU, event-loop lag, GC) of prom-client. @default true */
  readonly processMetrics?: boolean;
  /** Pages of `engine.list` (500 runs each) read per scrape to count runs by state. @default 200 */
  readonly maxListPages?: number;
}

const LIST_PAGE = 500;

/**
 * The sidecar's Prometheus metrics, in a private registry (no global state, so several sidecars or
 * tests can live in one process). The engine reports usage and model errors through
 * `recordUsage`/`recordModelError`; run counts and agents in flight are read from the engine at scrape time.
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  private engine: EngineApi | null = null;
  /** The token counter's series by kind, looked up once: recordUsage runs after every model reply. */
  private readonly tokens: Record<'input' | 'output' | 'cache_read' | 'cache_write', { inc(n: number): void }>;
  private readonly usd: Counter;
  private readonly modelErrors: Counter<'kind'>;
  private readonly callbacks: Counter<'outcome'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route'>;

  constructor(opts: MetricsOptions = {}) {
    const registers = [this.registry];
    const maxPages = opts.maxListPages ?? 200;
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'dw_' });
    const runs: Gauge<'status'> = new Gauge({
      name: 'dw_runs',
      help: 'Runs by state',
      labelNames: ['status'],
      registers,
      collect: async () => {
        const counts = await this.countRuns(maxPages);
        for (const status of RUN_STATUSES) runs.set({ status }, counts.get(status) ?? 0);
      },
    });
    const inFlight: Gauge = new Gauge({
      name: 'dw_agents_in_flight',
      help: 'Agents running right now across all runs',
      registers,
      collect: () => {
        inFlight.set(this.engine ? this.engine.inFlight() : 0);
      },
    });
    const tokens = new Counter({ name: 'dw_tokens_total', help: 'Model tokens used, by kind', labelNames: ['kind'], registers });
    this.tokens = {
      input: tokens.labels({ kind: 'input' }),
      output: tokens.labels({ kind: 'output' }),
      cache_read: tokens.labels({ kind: 'cache_read' }),
      cache_write: tokens.labels({ kind: 'cache_write' }),
    };
    this.usd = new Counter({ name: 'dw_cost_usd_total', help: 'Model cost in USD, priced by the model price table', registers });
    this.modelErrors = new Counter({ name: 'dw_model_errors_total', help: 'Model call errors, by kind', labelNames: ['kind'], registers });
    this.callbacks = new Counter({
      name: 'dw_callback_deliveries_total',
      help: 'Callback deliveries that ended, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'dw_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'dw_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (event streams excluded)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
  }

  /** Called by buildServer: gauges read the engine at scrape time. */
  attachEngine(engine: EngineApi): void {
    this.engine = engine;
  }

  recordUsage(usage: Partial<Usage>): void {
    const t = this.tokens;
    const add = (series: { inc(n: number): void }, n: number | undefined): void => {
      if (n !== undefined && Number.isFinite(n) && n > 0) series.inc(n);
    };
    add(t.input, usage.inputTokens);
    add(t.output, usage.outputTokens);
    add(t.cache_read, usage.cacheReadTokens);
    add(t.cache_write, usage.cacheWriteTokens);
    if (usage.usd !== undefined && Number.isFinite(usage.usd) && usage.usd > 0) this.usd.inc(usage.usd);
  }

  /** `kind` is a ProviderErrorKind (rate_limited, overloaded, connection, …). */
  recordModelError(kind: string): void {
    this.modelErrors.inc({ kind });
  }

  recordCallback(outcome: 'delivered' | 'failed'): void {
    this.callbacks.inc({ outcome });
  }

  observeHttp(method: string, route: string, status: number, seconds: number | null): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    if (seconds !== null) this.httpDuration.observe({ method, route }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async countRuns(maxPages: number): Promise<Map<RunStatus, number>> {
    const counts = new Map<RunStatus, number>();
    if (!this.engine) return counts;
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const { runs, nextCursor } = await this.engine.list({ limit: LIST_PAGE, ...(cursor ? { cursor } : {}) });
      for (const run of runs) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    return counts;
  }
}
