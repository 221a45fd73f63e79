import { createHash } from 'node:crypto';

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
  return createHash('sha256').update(stableStringify([f.prompt, f.system, f.schema ?? null, [...f.tools].sort(), f.model, f.maxTurns])).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}
