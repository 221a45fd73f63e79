/**
 * Scoring of the verification benchmark (`npm run bench:verify`): pure functions over the
 * outcomes, so the numbers the bench prints are testable without running it.
 */

/** One consensus question: was the chosen answer right, and what did it cost. */
export interface ConsensusOutcome {
  readonly correct: boolean;
  readonly agents: number;
  readonly rounds: number;
}

export interface ConsensusScore {
  readonly questions: number;
  readonly accuracy: number;
  /** 95% Wilson interval of the accuracy. */
  readonly low: number;
  readonly high: number;
  readonly meanAgents: number;
  readonly maxAgents: number;
  readonly meanRounds: number;
}

export function scoreConsensus(outcomes: readonly ConsensusOutcome[]): ConsensusScore {
  const n = outcomes.length;
  const right = outcomes.filter((o) => o.correct).length;
  const { low, high } = wilson(right, n);
  return {
    questions: n,
    accuracy: n === 0 ? 0 : right / n,
    low,
    high,
    meanAgents: mean(outcomes.map((o) => o.agents)),
    maxAgents: outcomes.reduce((m, o) => Math.max(m, o.agents), 0),
    meanRounds: mean(outcomes.map((o) => o.rounds)),
  };
}

/** One finding after verify(): whether it was true, and where it ended up. */
export interface VerifyOutcome {
  readonly valid: boolean;
  readonly status: 'confirmed' | 'refuted' | 'unverified';
  readonly skeptics: number;
}

export interface VerifyScore {
  readonly findings: number;
  /** Of the confirmed (surviving) findings, the share that is true. */
  readonly precision: number;
  /** Of the true findings, the share that survived. */
  readonly recall: number;
  /** Of the planted false findings, the share that did not survive (refuted or unverified). */
  readonly falseRemoved: number;
  readonly unverified: number;
  readonly meanSkeptics: number;
}

export function scoreVerify(outcomes: readonly VerifyOutcome[]): VerifyScore {
  const confirmed = outcomes.filter((o) => o.status === 'confirmed');
  const trueOnes = outcomes.filter((o) => o.valid);
  const falseOnes = outcomes.filter((o) => !o.valid);
  return {
    findings: outcomes.length,
    precision: ratio(confirmed.filter((o) => o.valid).length, confirmed.length),
    recall: ratio(trueOnes.filter((o) => o.status === 'confirmed').length, trueOnes.length),
    falseRemoved: ratio(falseOnes.filter((o) => o.status !== 'confirmed').length, falseOnes.length),
    unverified: ratio(outcomes.filter((o) => o.status === 'unverified').length, outcomes.length),
    meanSkeptics: mean(outcomes.map((o) => o.skeptics)),
  };
}

/**
 * Accuracy of a plain majority vote of `n` voters on a yes/no question, each wrong with
 * probability `errorRate`; a tie is a coin flip. A fractional `n` (the mean number of agents
 * an adaptive method used) is interpolated between its neighbours. With `correlated`, the
 * error rate is per question, uniform on [0, 2·errorRate] (capped at 1) as in the quiz's
 * correlated mode, and voters are independent given the question.
 */
export function majorityBound(n: number, errorRate: number, correlated = false): number {
  if (correlated) {
    const steps = 400;
    let sum = 0;
    for (let i = 0; i < steps; i++) sum += majorityBound(n, Math.min(1, 2 * errorRate * ((i + 0.5) / steps)));
    return sum / steps;
  }
  if (!(n >= 1)) return 0;
  const lo = Math.floor(n);
  const frac = n - lo;
  const at = (k: number): number => {
    let p = 0;
    for (let right = 0; right <= k; right++) {
      const pk = binomial(k, right) * (1 - errorRate) ** right * errorRate ** (k - right);
      if (2 * right > k) p += pk;
      else if (2 * right === k) p += pk / 2;
    }
    return p;
  };
  return frac === 0 ? at(lo) : at(lo) * (1 - frac) + at(lo + 1) * frac;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** 95% Wilson score interval of `k` successes in `n` trials. */
export function wilson(k: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const z = 1.96;
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);

export const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

/** A GitHub-flavoured markdown table; cells are printed as given. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
