import type { RunRecord } from '../core/types';

/** One line: phase, agent counts, tokens, cost, elapsed. Redrawn in place on a terminal. */
export function progressLine(run: RunRecord, startedAt: number, now: number): string {
  const c = run.counts;
  const u = run.usage;
  const tokens = u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const secs = ((now - startedAt) / 1000).toFixed(1);
  return `[${run.status}${run.phase ? ` · ${run.phase}` : ''}] queued ${c.queued} · active ${c.active} · done ${c.done} · failed ${c.failed} · ${formatTokens(tokens)} tokens · $${u.usd.toFixed(4)} · ${secs}s`;
}

function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export class ProgressReporter {
  private timer: NodeJS.Timeout | null = null;
  private lastLen = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly read: () => RunRecord | Promise<RunRecord>,
  ) {}

  start(intervalMs = 200): void {
    const tty = this.out.isTTY === true;
    this.timer = setInterval(() => void this.draw(tty).catch(() => undefined), tty ? intervalMs : 2000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.draw(this.out.isTTY === true);
    if (this.out.isTTY) this.out.write('\n');
  }

  private async draw(tty: boolean): Promise<void> {
    const line = progressLine(await this.read(), this.started, Date.now());
    if (tty) {
      this.out.write(`\r${line}${' '.repeat(Math.max(0, this.lastLen - line.length))}`);
      this.lastLen = line.length;
    } else {
      this.out.write(`${line}\n`);
    }
  }
}
