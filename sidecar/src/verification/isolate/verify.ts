/**
 * verify(): skeptics try to refute each finding; it survives only by quorum. Runs inside the
 * isolate.
 */
import { agentOptionsOf, functionOption, intOption, optionError, readOptions, stringOption } from './options';
import { askAll, range, roundEvent } from './rounds';

type Verdict = 'valid' | 'refuted';
type Status = 'pending' | 'confirmed' | 'refuted' | 'unverified';

interface SkepticVerdict {
  readonly skeptic: number;
  readonly verdict: Verdict | null;
  readonly reason: string | null;
}

interface Case {
  readonly finding: unknown;
  readonly index: number;
  readonly text: string;
  readonly verdicts: SkepticVerdict[];
  status: Status;
}

interface Tally {
  valid: number;
  refuted: number;
  failed: number;
}

const VERDICT_SCHEMA = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: ['valid', 'refuted'], description: 'refuted if the finding does not hold up' },
    reason: { type: 'string', description: 'one or two sentences: why' },
  },
  required: ['verdict', 'reason'],
};

/**
 * verify(findings, options) -> { confirmed, refuted, unverified, evidence, rounds, skeptics }
 *
 * Each finding is given to skeptics told to refute it; they answer 'valid' or 'refuted'.
 * After its skeptics answer, a finding is
 *   confirmed   with at least quorum 'valid' verdicts and more 'valid' than 'refuted';
 *   refuted     when quorum is out of reach even if every failed skeptic had said 'valid',
 *               or 'refuted' outnumbers 'valid' plus the failed ones;
 *   unverified  otherwise: failed skeptics (null) left it open. A failure never refutes.
 * With maxSkeptics above skeptics, a finding whose verdicts do not lead by margin yet
 * (a split panel, failed skeptics) gets more skeptics, round after round: the fewest that
 * could settle it. All findings of a round are judged in parallel; rounds are barriers,
 * so the calls are issued in the same order on every run.
 *
 * Options (besides agent() options: tools, model, system, maxTurns, phase, effort, agentType):
 *   skeptics     skeptics per finding in the first round          @default 3
 *   maxSkeptics  most skeptics per finding                         @default skeptics
 *   margin       lead of one verdict that settles a finding early  @default 1
 *   quorum       'valid' verdicts a finding needs                  @default a majority of the skeptics
 *                that answered, and at least a majority of skeptics
 *   describe     finding => text shown to the skeptics             @default the string, or its JSON
 *   context      text put before every finding (the task, the code under review)
 *   schema       the skeptics' answer schema; its answers must carry verdict: 'valid' | 'refuted'
 *   label        shown in the agent log                            @default 'skeptic'
 */
export async function verify(findings: unknown, options?: unknown): Promise<Record<string, unknown>> {
  const helper = 'verify';
  if (!Array.isArray(findings)) throw optionError(helper, 'expected findings to be an array');
  const o = readOptions(helper, options, ['skeptics', 'maxSkeptics', 'margin', 'quorum', 'describe', 'context', 'label']);
  const skeptics = intOption(helper, o, 'skeptics', 1, 100, 3);
  const maxSkeptics = intOption(helper, o, 'maxSkeptics', skeptics, 100, skeptics);
  const margin = intOption(helper, o, 'margin', 1, 100, 1);
  const quorum = intOption(helper, o, 'quorum', 1, maxSkeptics, null);
  const describe = functionOption<(finding: unknown, index: number) => unknown>(helper, o, 'describe') || describeFinding;
  const context = stringOption(helper, o, 'context', '');
  const label = stringOption(helper, o, 'label', 'skeptic');
  const agentOptions = Object.assign({ schema: VERDICT_SCHEMA }, agentOptionsOf(o));

  const cases: Case[] = (findings as unknown[]).map((finding, i) => ({
    finding: finding,
    index: i,
    text: String(describe(finding, i)),
    verdicts: [],
    status: 'pending',
  }));
  let pending = cases;
  let rounds = 0;
  while (pending.length > 0) {
    rounds++;
    const calls: Array<{ readonly c: Case; readonly n: number }> = [];
    for (const c of pending) {
      const more = rounds === 1 ? skeptics : extraSkeptics(c, margin, maxSkeptics);
      for (const n of range(c.verdicts.length, c.verdicts.length + more)) calls.push({ c: c, n: n });
    }
    const answers = await askAll(
      calls.map((call) => ({
        prompt: skepticPrompt(call.c.text, call.n, context),
        options: Object.assign({}, agentOptions, { label: label + ' ' + (call.c.index + 1) + '.' + (call.n + 1) }),
      })),
    );
    answers.forEach((answer, j) => calls[j].c.verdicts.push(readVerdict(answer, calls[j].n)));
    for (const c of pending) c.status = judge(c.verdicts, skeptics, margin, quorum, maxSkeptics);
    const judged = pending;
    pending = cases.filter((c) => c.status === 'pending');
    roundEvent(helper, rounds, meanAgreement(judged), cases.filter((c) => c.status === 'confirmed').length, {
      label: label,
      findings: cases.length,
      asked: calls.length,
      settled: judged.length - pending.length,
      pending: pending.length,
      confirmed: cases.filter((c) => c.status === 'confirmed').length,
      refuted: cases.filter((c) => c.status === 'refuted').length,
      unverified: cases.filter((c) => c.status === 'unverified').length,
    });
  }
  const having = (status: Status): unknown[] => cases.filter((c) => c.status === status).map((c) => c.finding);
  return {
    confirmed: having('confirmed'),
    refuted: having('refuted'),
    unverified: having('unverified'),
    evidence: cases.map((c) => ({ finding: c.finding, status: c.status, verdicts: c.verdicts })),
    rounds: rounds,
    skeptics: cases.reduce((sum, c) => sum + c.verdicts.length, 0),
  };
}

function describeFinding(finding: unknown): unknown {
  return typeof finding === 'string' ? finding : JSON.stringify(finding);
}

function skepticPrompt(text: string, n: number, context: string): string {
  return (
    (context ? context + '\n\n' : '') +
    'You are skeptic #' +
    (n + 1) +
    ' on a review panel. Try to refute the finding below: check it against the ' +
    'evidence and look for the reason it is wrong. Answer "refuted" if it does not hold up, and "valid" only if it ' +
    'survives your best attempt to refute it. Give a one-line reason.\n\nFinding: ' +
    text
  );
}

/** 'valid', 'refuted', or null for a failed skeptic or an answer that is neither. */
function readVerdict(answer: unknown, n: number): SkepticVerdict {
  let verdict: Verdict | null = null;
  let reason: string | null = null;
  if (answer !== null && typeof answer === 'object') {
    const a = answer as { verdict?: unknown; reason?: unknown };
    const v = typeof a.verdict === 'string' ? a.verdict.trim().toLowerCase() : null;
    verdict = v === 'valid' || v === 'refuted' ? v : null;
    reason = typeof a.reason === 'string' ? a.reason : null;
  } else if (typeof answer === 'string') {
    const m = /\b(valid|refuted)\b/i.exec(answer);
    verdict = m ? (m[1].toLowerCase() as Verdict) : null;
    reason = answer;
  }
  return { skeptic: n + 1, verdict: verdict, reason: reason };
}

function tally(verdicts: readonly SkepticVerdict[]): Tally {
  const t: Tally = { valid: 0, refuted: 0, failed: 0 };
  for (const v of verdicts) {
    if (v.verdict === 'valid') t.valid++;
    else if (v.verdict === 'refuted') t.refuted++;
    else t.failed++;
  }
  return t;
}

/** The verdict on what the skeptics said so far: see verify() for the rule. */
function outcomeOf(verdicts: readonly SkepticVerdict[], quorum: number | null, skeptics: number): Exclude<Status, 'pending'> {
  const t = tally(verdicts);
  const need = quorum !== null ? quorum : Math.floor(Math.max(skeptics, t.valid + t.refuted) / 2) + 1;
  if (t.valid >= need && t.valid > t.refuted) return 'confirmed';
  if (t.valid + t.failed < need || t.refuted > t.valid + t.failed) return 'refuted';
  return 'unverified';
}

/** 'pending' while more skeptics may still be asked and the verdict is not settled by margin. */
function judge(verdicts: readonly SkepticVerdict[], skeptics: number, margin: number, quorum: number | null, maxSkeptics: number): Status {
  const outcome = outcomeOf(verdicts, quorum, skeptics);
  const t = tally(verdicts);
  const settled = outcome !== 'unverified' && Math.abs(t.valid - t.refuted) >= margin;
  return settled || verdicts.length >= maxSkeptics ? outcome : 'pending';
}

/** The fewest more skeptics that could settle a finding, within maxSkeptics. */
function extraSkeptics(c: Case, margin: number, maxSkeptics: number): number {
  const t = tally(c.verdicts);
  return Math.min(maxSkeptics - c.verdicts.length, Math.max(1, margin - Math.abs(t.valid - t.refuted)));
}

function meanAgreement(cases: readonly Case[]): number | null {
  const shares: number[] = [];
  for (const c of cases) {
    const t = tally(c.verdicts);
    if (t.valid + t.refuted > 0) shares.push(Math.max(t.valid, t.refuted) / (t.valid + t.refuted));
  }
  return shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length;
}
