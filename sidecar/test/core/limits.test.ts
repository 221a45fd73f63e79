import { loadConfig } from '../../src/config/config';
import { RUN_LIMITS, SIDECAR_LIMITS } from '../../src/core/limits';
import { resolveLimits } from '../../src/engine/limits';

const TOKEN = 'limits-test-token-0123456789';
const config = (env: Record<string, string> = {}) => loadConfig({ DW_TOKEN: TOKEN, ...env }, '/tmp');

describe('the limits table', () => {
  it('gives every run limit and sidecar setting a distinct environment variable and sane bounds', () => {
    const specs = [...Object.values(RUN_LIMITS), ...Object.values(SIDECAR_LIMITS)];
    expect(new Set(specs.map((s) => s.env)).size).toBe(specs.length);
    for (const s of specs) {
      expect(s.env).toMatch(/^DW_[A-Z_]+$/);
      expect(s.min).toBeLessThanOrEqual(s.default);
      expect(s.default).toBeLessThanOrEqual(s.max);
      expect(s.description.length).toBeGreaterThan(5);
    }
  });

  it('is what the configuration reads: defaults when unset, the environment otherwise', () => {
    const c = config();
    for (const [k, s] of Object.entries(RUN_LIMITS)) expect(c.limits[k as keyof typeof c.limits]).toBe(s.default);
    expect(config({ DW_MAX_USD: '2.5', DW_MAX_AGENTS: '40' }).limits).toMatchObject({ maxUsd: 2.5, maxAgents: 40 });
    expect(() => config({ DW_MAX_AGENTS: '0' })).toThrow(/DW_MAX_AGENTS.*1\.\.100000/);
    expect(() => config({ DW_MAX_AGENTS: '1.5' })).toThrow(/DW_MAX_AGENTS.*integer/);
    expect(() => config({ DW_MAX_PARALLEL: '300' })).toThrow(/DW_MAX_PARALLEL.*1\.\.256/);
  });
});

describe('resolveLimits: the operator sets ceilings, a request may only lower them', () => {
  const c = config({ DW_MAX_USD: '5', DW_MAX_AGENTS: '200', DW_MEMORY_MB: '256', DW_MAX_SANDBOX_MEMORY_MB: '1024' });

  it('takes the operator values when the request names none', () => {
    expect(resolveLimits(c, undefined)).toEqual(c.limits);
  });

  it('lowers what the request asks to lower', () => {
    expect(resolveLimits(c, { maxUsd: 0.5, maxAgents: 10, memoryMb: 64 })).toMatchObject({ maxUsd: 0.5, maxAgents: 10, memoryMb: 64 });
  });

  it.each([
    ['maxUsd', 1e9, /maxUsd of 1000000000 is above the operator's ceiling of 5 \(DW_MAX_USD\)/],
    ['maxAgents', 100_000, /maxAgents .* ceiling of 200 \(DW_MAX_AGENTS\)/],
    ['maxTokens', 1e12, /maxTokens .* ceiling of 2000000 \(DW_MAX_TOKENS\)/],
    ['deadlineMs', 7 * 24 * 3_600_000, /deadlineMs .* \(DW_DEADLINE_MS\)/],
    ['memoryMb', 4096, /memoryMb .* ceiling of 256 \(DW_MEMORY_MB\)/],
    ['maxParallel', 257, /maxParallel .* ceiling of 256 \(DW_MAX_PARALLEL_CEILING\)/],
  ])('refuses to raise %s with 400 limit_above_ceiling', (key, value, message) => {
    let caught: unknown;
    try {
      resolveLimits(c, { [key]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'limit_above_ceiling', status: 400 });
    expect((caught as Error).message).toMatch(message);
  });

  it('lets maxParallel rise up to its own ceiling', () => {
    expect(resolveLimits(c, { maxParallel: 64 }).maxParallel).toBe(64);
  });

  it('refuses a script heap larger than all sandboxes together may use', () => {
    expect(() => config({ DW_MEMORY_MB: '512', DW_MAX_SANDBOX_MEMORY_MB: '256' })).toThrow(/DW_MEMORY_MB.*DW_MAX_SANDBOX_MEMORY_MB/);
    const small = { ...c, maxSandboxMemoryMb: 128 };
    expect(() => resolveLimits(small, { memoryMb: 200 })).toThrow(/memoryMb of 200 .*DW_MAX_SANDBOX_MEMORY_MB/);
  });
});
