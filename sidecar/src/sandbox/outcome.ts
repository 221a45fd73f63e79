import {
  CpuLimitError,
  DwError,
  MemoryLimitError,
  ResultTooLargeError,
  RunCancelledError,
  ScriptError,
  type ErrorInfo,
} from '../errors/errors';
import type { PreludeResult } from './prelude';
import type { SandboxLimits, SandboxOutcome } from './types';

export const failed = (error: ErrorInfo): SandboxOutcome => ({ ok: false, error: { code: error.code, message: error.message } });

/** The outcome of an aborted run names the reason given to `abort()`. */
export function abortInfo(reason: unknown): ErrorInfo {
  if (reason instanceof DwError) return reason.toJSON();
  if (reason !== null && typeof reason === 'object') {
    const r = reason as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof r.code === 'string' && typeof r.message === 'string') return { code: r.code, message: r.message };
    // AbortSignal.timeout() aborts with a DOMException named TimeoutError.
    if (r.name === 'TimeoutError') return { code: 'deadline', message: 'Run deadline exceeded' };
  }
  return new RunCancelledError().toJSON();
}

/**
 * Why a call into the isolate failed when the run did not end it itself. isolated-vm reports
 * a memory-limit kill inconsistently ("…due to memory limit", "Promise was abandoned", or just
 * a disposed isolate), so a disposed isolate nobody disposed counts as the memory limit.
 */
export function isolateFailure(err: unknown, isolateDisposed: boolean, limits: SandboxLimits): ErrorInfo {
  const message = err !== null && typeof err === 'object' && 'message' in err ? String((err as { message: unknown }).message) : String(err);
  if (/timed out/i.test(message)) return new CpuLimitError(limits.cpuMs).toJSON();
  if (/memory limit/i.test(message) || isolateDisposed) return new MemoryLimitError(limits.memoryMb).toJSON();
  return { code: 'internal', message: `Sandbox failure: ${message}` };
}

/** What isolated-vm's onCatastrophicError reports, as the limit the script broke. */
export function catastropheInfo(message: string, limits: SandboxLimits): ErrorInfo {
  if (/memory/i.test(message)) return new MemoryLimitError(limits.memoryMb).toJSON();
  if (/terminate/i.test(message)) return new CpuLimitError(limits.cpuMs).toJSON();
  return { code: 'internal', message: `Sandbox failure: ${message}` };
}

/** Turns what the prelude's `run` resolved with into the run's outcome. */
export function resultOutcome(r: PreludeResult, limits: SandboxLimits): SandboxOutcome {
  if (r.ok) {
    const bytes = Buffer.byteLength(r.json, 'utf8');
    if (bytes > limits.maxResultBytes) return failed(new ResultTooLargeError(bytes, limits.maxResultBytes));
    return { ok: true, result: JSON.parse(r.json) as unknown };
  }
  if ('bytes' in r) return failed(new ResultTooLargeError(r.bytes, limits.maxResultBytes));
  if (r.code === 'memory_limit') return failed(r.message ? { code: r.code, message: r.message } : new MemoryLimitError(limits.memoryMb));
  if (r.code === 'script_error') return failed(new ScriptError(r.message));
  return failed({ code: r.code, message: r.message });
}
