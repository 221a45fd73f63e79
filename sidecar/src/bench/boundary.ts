import { IsolatedVmSandbox } from '../sandbox';
import type { SandboxHost } from '../sandbox/types';

/**
 * What one agent() call costs in CPU at the sandbox boundary: a fan-out of `n` agents
 * through the real isolated-vm sandbox to an in-process host that answers at once (no
 * engine, no HTTP), the whole run included, after a warm-up run. A figure for
 * `npm run bench`, not a test: CPU time on a loaded machine is not a pass/fail signal.
 */
export async function boundaryCpuMsPerCall(n = 2000): Promise<number> {
  const sandbox = new IsolatedVmSandbox();
  const source = `
    const schema = { type: 'object', properties: { bugs: { type: 'array', items: { type: 'string' } } } };
    const found = await parallel(args.files.map((f) => () => agent('Find bugs in ' + f, { label: f, tools: ['read_file'], schema })));
    return found.filter((r) => r && r.bugs.length > 0).length;
  `;
  const host: SandboxHost = {
    async agent(seq: number) {
      await Promise.resolve();
      return { bugs: seq % 2 === 0 ? ['off by one'] : [] };
    },
    phase: () => undefined,
    log: () => undefined,
    budget: () => ({ total: { tokens: 1e12, usd: 1e9 }, spent: { tokens: 0, usd: 0 } }),
    emit: () => undefined,
  };
  const limits = { memoryMb: 128, cpuMs: 60_000, maxAgents: n, maxItems: 4096, maxResultBytes: 1_000_000 };
  const run = async (count: number): Promise<void> => {
    const files = Array.from({ length: count }, (_, i) => `src/file-${i}.ts`);
    const outcome = await sandbox.run({
      script: { source, meta: null },
      args: { files },
      host,
      limits,
      signal: new AbortController().signal,
    });
    if (!outcome.ok) throw new Error(`boundary bench script failed: ${outcome.error.code}: ${outcome.error.message}`);
  };
  try {
    await run(Math.min(500, n));
    const before = process.cpuUsage();
    await run(n);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / n;
  } finally {
    sandbox.dispose();
  }
}
