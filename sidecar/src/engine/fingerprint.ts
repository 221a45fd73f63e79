import crypto from 'node:crypto';
import { canonicalJson } from '../core/canonical-json';

/** Everything that changes what a model would answer, and nothing else (labels and phases do not). */
export interface FingerprintInput {
  readonly prompt: string;
  readonly system: string | null;
  readonly schema: unknown;
  readonly tools: readonly string[];
  readonly model: string;
  readonly maxTurns: number;
}

/**
 * `extra`: what changes the answer without showing in the task (an agent type's profile, a
 * thinking budget). Without any, a call keeps the fingerprint it always had, so journals written
 * before those existed still replay.
 */
export function fingerprint(f: FingerprintInput, extra: Readonly<Record<string, unknown>> = {}): string {
  const base = hash([f.prompt, f.system, f.schema ?? null, [...f.tools].sort(), f.model, f.maxTurns]);
  return Object.keys(extra).length === 0 ? base : hash([base, extra]);
}

/** One-shot `crypto.hash` (no Hash object per call; the sidecar runs on Node 24). */
function hash(value: unknown): string {
  return crypto.hash('sha256', canonicalJson(value), 'hex').slice(0, 32);
}
