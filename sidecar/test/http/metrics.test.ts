import { SidecarMetrics } from '../../src/http/metrics';
import { AUTH, makeHarness, type Harness } from './harness';

function sample(text: string, metric: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `));
  return line === undefined ? undefined : Number(line.slice(metric.length + 1));
}

describe('GET /metrics', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.close());

  const scrape = async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it("counts runs by state across every page of the engine's list", async () => {
    for (let i = 0; i < 1203; i++) h.engine.seed({ status: i % 3 === 0 ? 'converged' : 'running' });
    h.engine.seed({ status: 'awaiting_approval' });
    const text = await scrape();
    expect(sample(text, 'dw_runs{status="converged"}')).toBe(401);
    expect(sample(text, 'dw_runs{status="running"}')).toBe(802);
    expect(sample(text, 'dw_runs{status="awaiting_approval"}')).toBe(1);
    expect(sample(text, 'dw_runs{status="failed"}')).toBe(0);
  });

  it('reports agents in flight from the engine, and the usage and model errors the engine records', async () => {
    h.engine.inFlightCount = 17;
    h.metrics.recordUsage({ inputTokens: 1200, outputTokens: 300, cacheReadTokens: 5000, cacheWriteTokens: 0, usd: 0.25 });
    h.metrics.recordUsage({ inputTokens: 800, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 64, usd: 0.05 });
    h.metrics.recordModelError('rate_limited');
    h.metrics.recordModelError('rate_limited');
    h.metrics.recordModelError('overloaded');
    const text = await scrape();
    expect(sample(text, 'dw_agents_in_flight')).toBe(17);
    expect(sample(text, 'dw_tokens_total{kind="input"}')).toBe(2000);
    expect(sample(text, 'dw_tokens_total{kind="output"}')).toBe(300);
    expect(sample(text, 'dw_tokens_total{kind="cache_read"}')).toBe(5000);
    expect(sample(text, 'dw_tokens_total{kind="cache_write"}')).toBe(64);
    expect(sample(text, 'dw_cost_usd_total')).toBeCloseTo(0.3, 10);
    expect(sample(text, 'dw_model_errors_total{kind="rate_limited"}')).toBe(2);
    expect(sample(text, 'dw_model_errors_total{kind="overloaded"}')).toBe(1);
  });

  it('counts HTTP answers by route pattern, not by concrete path', async () => {
    const run = h.engine.seed();
    await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}`, headers: AUTH });
    await h.app.inject({ method: 'GET', url: '/v1/runs/other', headers: AUTH });
    const text = await scrape();
    expect(sample(text, 'dw_http_requests_total{method="GET",route="/v1/runs/:id",status="200"}')).toBe(1);
    expect(sample(text, 'dw_http_requests_total{method="GET",route="/v1/runs/:id",status="404"}')).toBe(1);
  });

  it('keeps its registry private to the instance', async () => {
    const other = makeHarness();
    try {
      other.metrics.recordModelError('auth');
      expect(sample(await scrape(), 'dw_model_errors_total{kind="auth"}')).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('process metrics', () => {
  it('are exported with the dw_ prefix unless turned off', async () => {
    expect((await new SidecarMetrics().render()).body).toContain('dw_process_resident_memory_bytes');
    expect((await new SidecarMetrics({ processMetrics: false }).render()).body).not.toContain('dw_process_');
  });
});
