import { priceUsage } from '../providers';

/** Typical subagent turn, for the pre-flight estimate only. */
const TYPICAL = { input_tokens: 2000, output_tokens: 600, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

/**
 * A rough pre-flight estimate for the plan gate: agent() call sites times the largest list
 * in the input (fan-outs usually map over one), capped by the run's agent limit.
 */
export function estimatePlan(script: string, input: unknown, model: string, maxAgents: number): { agents: number; usd: number } {
  const sites = (script.match(/\bagent\s*\(/g) ?? []).length;
  const helpers = (script.match(/\b(consensus|verify|converge)\s*\(/g) ?? []).length;
  const fanout = Math.max(1, longestArray(input, 0), longestLiteralFanout(script));
  const agents = Math.min(maxAgents, Math.max(1, sites * fanout + helpers * 5 * fanout));
  const usd = priceUsage(model, TYPICAL).usd * agents;
  return { agents, usd: Math.round(usd * 10_000) / 10_000 };
}

/** `Array.from({ length: N })` and array literals in the script also fan out. */
function longestLiteralFanout(script: string): number {
  let most = 0;
  for (const m of script.matchAll(/Array\.from\(\s*\{\s*length:\s*(\d+)/g)) most = Math.max(most, Number(m[1]));
  for (const m of script.matchAll(/\[([^[\]]{1,2000})\]\s*\.\s*map\s*\(/g))
    most = Math.max(most, m[1].split(',').filter((x) => x.trim()).length);
  return most;
}

function longestArray(v: unknown, depth: number): number {
  if (depth > 4 || v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) return Math.max(v.length, ...v.slice(0, 50).map((x) => longestArray(x, depth + 1)));
  return Math.max(0, ...Object.values(v as Record<string, unknown>).map((x) => longestArray(x, depth + 1)));
}
