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

function hash(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 32);
}

/** One-shot `crypto.hash` where Node has it (21.7+: no Hash object per call), else createHash. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');
