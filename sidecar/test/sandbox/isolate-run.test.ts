import { CpuLimitError, DeadlineError, MemoryLimitError, RunCancelledError } from '../../src/errors/errors';
import { IsolatedVmSandbox } from '../../src/sandbox';
import type { SandboxOutcome } from '../../src/sandbox/types';
import { FakeHost, runOf } from './fake-host';

const sandbox = new IsolatedVmSandbox();

// A sandbox bug here would let a bomb eat the machine other people share: stop the worker first.
const guard = setInterval(() => {
  if (process.memoryUsage().rss > 3 * 1024 ** 3) process.kill(process.pid, 'SIGKILL');
}, 100);
afterAll(() => clearInterval(guard));

async function timed(p: Promise<SandboxOutcome>): Promise<{ outcome: SandboxOutcome; ms: number }> {
  const t0 = performance.now();
  const outcome = await p;
  return { outcome, ms: performance.now() - t0 };
}
function errorOf(outcome: SandboxOutcome): { code: string; message: string } {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

/** A well-behaved run: sequential agents with latency and some CPU between them. */
function goodRun(host: FakeHost): Promise<SandboxOutcome> {
  return sandbox.run(
    runOf(
      `
    let total = 0;
    for (let i = 1; i <= 15; i++) {
      total += await agent('step ' + i);
      const scratch = [];
      for (let j = 0; j < 2000; j++) scratch.push({ j });
      total += scratch.length - 2000;
    }
    return { total, steps: (await parallel([1, 2, 3].map((k) => () => agent('fan ' + k)))).length };
  `,
      { host, limits: { cpuMs: 5000, memoryMb: 64 } },
    ),
  );
}

describe('CPU limit', () => {
  const CPU_MS = 400;
  test.each([
    ['a synchronous infinite loop', 'while (true) {}'],
    ['an await loop', 'for (;;) await null;'],
    ['async recursion', 'async function f() { await 0; return f(); }\nreturn await f();'],
    ['a loop after an agent call', "await agent('x');\nlet n = 0;\nwhile (true) { n++; }"],
  ])('%s ends with cpu_limit shortly after cpuMs', async (_name, source) => {
    const { outcome, ms } = await timed(sandbox.run(runOf(source, { limits: { cpuMs: CPU_MS, memoryMb: 128 } })));
    expect(errorOf(outcome)).toEqual(new CpuLimitError(CPU_MS).toJSON());
    expect(ms).toBeGreaterThanOrEqual(CPU_MS * 0.95);
    expect(ms).toBeLessThan(CPU_MS * 3 + 1500);
  });

  test('time spent waiting for agents does not count, however long the run', async () => {
    // 4 x 350 ms of waiting outlasts the wall-clock backstop of the first call (2 x cpuMs + 1 s).
    const host = new FakeHost({ latency: () => 350 });
    const { outcome, ms } = await timed(
      sandbox.run(runOf("for (let i = 0; i < 4; i++) await agent('slow ' + i);\nreturn 'done';", { host, limits: { cpuMs: 50 } })),
    );
    expect(outcome).toEqual({ ok: true, result: 'done' });
    expect(ms).toBeGreaterThan(4 * 350);
  });
});

describe('memory limit', () => {
  test.each([
    ['arrays pushed in a hot loop', 'const a = []; for (;;) a.push(new Array(1000));'],
    ['filled arrays', 'const a = []; for (;;) a.push(new Array(10000).fill(a.length));'],
    ['typed arrays', 'const a = []; for (;;) a.push(new Float64Array(10000));'],
    ['a growing string list', "const a = []; for (;;) a.push('x'.repeat(100000) + a.length);"],
  ])('%s end with memory_limit', async (_name, source) => {
    const { outcome, ms } = await timed(sandbox.run(runOf(source, { limits: { memoryMb: 32, cpuMs: 8000 } })));
    expect(errorOf(outcome)).toEqual(new MemoryLimitError(32).toJSON());
    expect(ms).toBeLessThan(8000);
  });

  test('a runaway Map or Set stops at its entry cap with memory_limit', async () => {
    for (const source of [
      'const m = new Map(); for (let i = 0; ; i++) m.set(i, i);',
      'const s = new Set(); for (let i = 0; ; i++) s.add(i);',
    ]) {
      const error = errorOf((await timed(sandbox.run(runOf(source, { limits: { memoryMb: 32, cpuMs: 8000 } })))).outcome);
      expect(error.code).toBe('memory_limit');
      expect(error.message).toMatch(/^Script memory limit exceeded \(memoryMb: 32 MB\): a (Map|Set) may hold at most 262144 entries/);
    }
  });

  test('collections below the cap behave as usual, including groupBy and union', async () => {
    const outcome = await sandbox.run(
      runOf(
        `
      const m = new Map([[1, 'a']]);
      m.set(1, 'b').set(2, 'c');
      const g = Map.groupBy([1, 2, 3, 4, -0], (n) => n % 2);
      const u = new Set([1, 2]).union(new Set([2, 3]));
      return [[...m], [...g].map(([k, v]) => [k, v]), [...u], Object.is([...g.keys()][1], 0)];
    `,
        { limits: { memoryMb: 32 } },
      ),
    );
    expect(outcome).toEqual({
      ok: true,
      result: [
        [
          [1, 'b'],
          [2, 'c'],
        ],
        [
          [1, [1, 3]],
          [0, [2, 4, 0]],
        ],
        [1, 2, 3],
        true,
      ],
    });
  });
});

describe('runs in one process do not affect each other', () => {
  test('runaway scripts end inside their limits while a good run completes unharmed', async () => {
    const host = new FakeHost({ latency: () => 10, answer: () => 1 });
    const t0 = performance.now();
    const [good, loop, asyncLoop, bomb, mapBomb] = await Promise.all([
      goodRun(host),
      timed(sandbox.run(runOf('while (true) {}', { limits: { cpuMs: 500, memoryMb: 64 } }))),
      timed(sandbox.run(runOf('for (;;) await null;', { limits: { cpuMs: 500, memoryMb: 64 } }))),
      timed(sandbox.run(runOf('const a = []; for (;;) a.push(new Array(1000));', { limits: { cpuMs: 8000, memoryMb: 32 } }))),
      timed(sandbox.run(runOf('const m = new Map(); for (let i = 0; ; i++) m.set(i, { i });', { limits: { cpuMs: 8000, memoryMb: 32 } }))),
    ]);
    expect(good).toEqual({ ok: true, result: { total: 15, steps: 3 } });
    expect(host.calls).toHaveLength(18);
    expect(errorOf(loop.outcome).code).toBe('cpu_limit');
    expect(errorOf(asyncLoop.outcome).code).toBe('cpu_limit');
    expect(errorOf(bomb.outcome).code).toBe('memory_limit');
    expect(errorOf(mapBomb.outcome).code).toBe('memory_limit');
    // Two cores shared by five isolates: generous, but far from "never".
    for (const r of [loop, asyncLoop]) expect(r.ms).toBeLessThan(5000);
    expect(performance.now() - t0).toBeLessThan(15000);
    // The sandbox is still usable afterwards.
    expect(await sandbox.run(runOf('return 1 + 1;'))).toEqual({ ok: true, result: 2 });
  });
});

describe('abort', () => {
  test('aborting with a DwError ends the run at once with that error', async () => {
    const ac = new AbortController();
    const host = new FakeHost({ latency: () => 2000 });
    const pending = timed(sandbox.run(runOf("await agent('slow');\nreturn 1;", { host, signal: ac.signal })));
    setTimeout(() => ac.abort(new DeadlineError(1000)), 50);
    const { outcome, ms } = await pending;
    expect(errorOf(outcome)).toEqual(new DeadlineError(1000).toJSON());
    expect(ms).toBeLessThan(1000);
  });

  test('aborting stops even a script spinning on the CPU', async () => {
    const ac = new AbortController();
    const pending = timed(sandbox.run(runOf('while (true) {}', { signal: ac.signal, limits: { cpuMs: 60000 } })));
    setTimeout(() => ac.abort({ code: 'budget_usd', message: 'USD budget exhausted' }), 100);
    const { outcome, ms } = await pending;
    expect(errorOf(outcome)).toEqual({ code: 'budget_usd', message: 'USD budget exhausted' });
    expect(ms).toBeLessThan(2000);
  });

  test('an abort without a reason is a cancellation; AbortSignal.timeout is a deadline', async () => {
    const ac = new AbortController();
    const pending = sandbox.run(runOf("await agent('slow');", { signal: ac.signal, host: new FakeHost({ latency: () => 1000 }) }));
    setTimeout(() => ac.abort(), 20);
    expect(errorOf(await pending)).toEqual(new RunCancelledError().toJSON());
    const timedOut = await sandbox.run(
      runOf("await agent('slow');", { signal: AbortSignal.timeout(30), host: new FakeHost({ latency: () => 1000 }) }),
    );
    expect(errorOf(timedOut).code).toBe('deadline');
  });

  test('an already aborted signal never starts the script', async () => {
    const host = new FakeHost();
    const ac = new AbortController();
    ac.abort(new RunCancelledError('stopped by the user'));
    expect(errorOf(await sandbox.run(runOf("await agent('x');", { host, signal: ac.signal })))).toEqual({
      code: 'cancelled',
      message: 'stopped by the user',
    });
    expect(host.calls).toHaveLength(0);
  });

  test('a late answer after the abort is ignored without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const ac = new AbortController();
      const host = new FakeHost({ latency: () => 100 });
      const pending = sandbox.run(runOf("return await agent('x');", { host, signal: ac.signal }));
      while (host.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      ac.abort();
      expect(errorOf(await pending).code).toBe('cancelled');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(host.calls[0].endedAt).not.toBeNull();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
