import pLimit, { type LimitFunction } from 'p-limit';
import type { AgentBudget } from './types';

/**
 * The budget of one process: p-limit. Push-back is handled per run (engine/concurrency.ts) and
 * per call (retry-after), so there is no process-wide cool-down. A waiter whose signal aborts
 * still takes its turn, then ends at once (the engine's dispatch checks the signal first).
 */
export class LocalBudget implements AgentBudget {
  private readonly limit: LimitFunction;

  constructor(max: number) {
    this.limit = pLimit(max);
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.limit(fn);
  }

  beforeModelCall(): Promise<void> {
    return Promise.resolve();
  }

  pushback(): void {}

  success(): void {}

  async close(): Promise<void> {}
}
