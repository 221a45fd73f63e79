import { createHash } from 'node:crypto';
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

export function fingerprint(f: FingerprintInput): string {
  return createHash('sha256')
    .update(canonicalJson([f.prompt, f.system, f.schema ?? null, [...f.tools].sort(), f.model, f.maxTurns]))
    .digest('hex')
    .slice(0, 32);
}
