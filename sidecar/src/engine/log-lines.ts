import type { Logger } from 'pino';
import type { RunEvent } from '../core/types';

/**
 * One log line per run and agent state change, with the run id, the agent's seq and the
 * reason: run changes at info (failures at warn), agent failures at warn, the rest of an
 * agent's life and retries at debug (DW_LOG_LEVEL=debug shows them).
 */
export function logRunEvent(logger: Logger, runId: string, e: RunEvent): void {
  switch (e.type) {
    case 'run.status':
      if (e.status === 'failed') logger.warn({ runId, status: e.status, code: e.error?.code, reason: e.error?.message }, 'run failed');
      else logger.info({ runId, status: e.status, ...(e.error ? { code: e.error.code, reason: e.error.message } : {}) }, `run ${e.status}`);
      return;
    case 'agent.failed':
      logger.warn({ runId, seq: e.seq, label: e.label, code: e.error.code, reason: e.error.message }, 'agent failed');
      return;
    case 'agent.queued':
    case 'agent.started':
      logger.debug({ runId, seq: e.seq, label: e.label }, e.type === 'agent.queued' ? 'agent queued' : 'agent started');
      return;
    case 'agent.completed':
      logger.debug({ runId, seq: e.seq, label: e.label, replayed: e.replayed }, 'agent completed');
      return;
    case 'agent.retry':
      logger.debug({ runId, seq: e.seq, attempt: e.attempt, reason: e.reason, delayMs: e.delayMs }, 'agent retry');
      return;
    case 'throttle':
      logger.info({ runId, concurrency: e.concurrency, reason: e.reason }, 'run throttled');
      return;
    default:
      return;
  }
}
