import Anthropic from '@anthropic-ai/sdk';
import fs from 'node:fs';
import pLimit from 'p-limit';

/**
 * The floor the engine is measured against: the Anthropic SDK called directly under
 * p-limit, with no sandbox, journal or events. Run as its own process; prints one JSON line.
 */
async function main(): Promise<void> {
  const [baseURL, nRaw, concRaw] = process.argv.slice(2);
  const n = Number(nRaw);
  const limit = pLimit(Number(concRaw));
  const client = new Anthropic({ apiKey: 'bench', baseURL, maxRetries: 0 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(() =>
        client.messages.create({
          model: 'offline-claude',
          max_tokens: 1024,
          messages: [{ role: 'user', content: `bench item ${i}` }],
        }),
      ),
    ),
  );
  const makespanMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ makespanMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peakRssMb() })}\n`);
}

function peakRssMb(pid: number | 'self' = 'self'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

if (require.main === module) void main();
