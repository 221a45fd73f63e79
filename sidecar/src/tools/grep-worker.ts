import { Worker } from 'node:worker_threads';
import { abortReason } from '../core/abort';
import { ToolFailedError } from './errors';

export interface GrepJob {
  readonly source: string;
  readonly files: readonly { readonly abs: string; readonly rel: string }[];
  readonly maxResults: number;
  readonly maxLineChars: number;
  readonly maxFileBytes: number;
}

export interface GrepResult {
  readonly matches: string[];
  readonly scanned: number;
  readonly skippedBinary: number;
  readonly skippedLarge: number;
  readonly truncated: boolean;
}

/**
 * The matching loop runs in a worker thread because the pattern comes from a model: a
 * catastrophically backtracking regex would otherwise freeze the sidecar's event loop
 * (every run, the HTTP API) with no way to stop it. A worker can be terminated mid-match.
 * Plain JavaScript, evaluated as the worker's source, so it needs no build step.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { source, files, maxResults, maxLineChars, maxFileBytes } = workerData;
const re = new RegExp(source);
const matches = [];
let scanned = 0, skippedBinary = 0, skippedLarge = 0, truncated = false;
outer: for (const f of files) {
  let buf;
  try {
    if (fs.statSync(f.abs).size > maxFileBytes) { skippedLarge++; continue; }
    buf = fs.readFileSync(f.abs);
  } catch { continue; }
  if (buf.subarray(0, 8192).includes(0)) { skippedBinary++; continue; }
  scanned++;
  const lines = buf.toString('utf8').split(/\\r?\\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!re.test(lines[i])) continue;
    if (matches.length === maxResults) { truncated = true; break outer; }
    const line = lines[i].length > maxLineChars ? lines[i].slice(0, maxLineChars) + '…' : lines[i];
    matches.push(f.rel + ':' + (i + 1) + ':' + line);
  }
}
parentPort.postMessage({ matches, scanned, skippedBinary, skippedLarge, truncated });
`;

function isGrepResult(v: unknown): v is GrepResult {
  return typeof v === 'object' && v !== null && 'matches' in v && Array.isArray(v.matches) && 'truncated' in v;
}

/** Runs one grep job; the time limit starts when the worker is spawned. */
export function runGrepWorker(job: GrepJob, timeoutMs: number, signal?: AbortSignal): Promise<GrepResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: job, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = (): void => finish(() => reject(abortReason(signal!)));
    const timer = setTimeout(
      () => finish(() => reject(new ToolFailedError(`grep timed out after ${timeoutMs} ms: simplify the pattern or narrow path/glob`))),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (msg: unknown) =>
      finish(() => (isGrepResult(msg) ? resolve(msg) : reject(new ToolFailedError('grep worker sent an unexpected message')))),
    );
    worker.once('error', (err: Error) => finish(() => reject(new ToolFailedError(`grep failed: ${err.message}`))));
    worker.once('exit', (code: number) => finish(() => reject(new ToolFailedError(`grep worker stopped unexpectedly (exit ${code})`))));
  });
}
