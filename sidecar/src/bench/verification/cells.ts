import type { QuizBank, QuizKnobs } from '../../verification/quiz';
import type { QuizBackend } from './backends';
import { majorityBound, scoreConsensus, scoreVerify, type ConsensusScore, type VerifyScore } from './score';

/** Options of the helpers under test, as script source (object literals). */
export interface Presets {
  /** consensus() options for the open-answer questions. */
  readonly open: Readonly<Record<string, string>>;
  /** consensus() options for the yes/no questions. */
  readonly yesno: Readonly<Record<string, string>>;
  readonly verify: Readonly<Record<string, string>>;
}

/**
 * What the bench compares: the defaults, a cheaper margin of 2, a cap of 7 agents on open
 * answers (what a hard cap costs in accuracy), and verify with skeptics added until one
 * verdict leads by 4.
 */
export const PRESETS: Presets = {
  open: { defaults: '{}', 'margin: 2': '{ margin: 2 }', 'maxAgents: 7': '{ maxAgents: 7 }' },
  yesno: { defaults: '{}', 'margin: 2': '{ margin: 2 }' },
  verify: { 'defaults (3 skeptics)': '{}', 'margin: 4, maxSkeptics: 31': '{ margin: 4, maxSkeptics: 31 }' },
};

/**
 * One benchmark cell as a workflow script: single agents and consensus on the open and yes/no
 * questions, then verify on the findings, once per preset. It returns compact outcomes only.
 */
export function cellScript(presets: Presets): string {
  const list = (p: Readonly<Record<string, string>>): string =>
    Object.entries(p)
      .map(([name, opts]) => `[${JSON.stringify(name)}, ${opts}]`)
      .join(', ');
  return `
const single = (questions) => parallel(questions.map((q) => () => agent(q, { label: 'single' })));
const panel = (questions, opts) => parallel(questions.map((q) => () => consensus(q, opts)))
  .then((rs) => rs.map((r) => (r === null ? null : { answer: r.answer, agents: r.agents, rounds: r.rounds })));
const out = { open: { single: await single(args.open) }, yesno: { single: await single(args.yesno) }, verify: {} };
phase('consensus');
for (const [name, opts] of [${list(presets.open)}]) out.open[name] = await panel(args.open, opts);
for (const [name, opts] of [${list(presets.yesno)}]) out.yesno[name] = await panel(args.yesno, opts);
for (const [name, opts] of [${list(presets.verify)}]) {
  phase('verify ' + name);
  const v = await verify(args.findings, opts);
  out.verify[name] = v.evidence.map((e) => ({ status: e.status, skeptics: e.verdicts.length }));
}
return out;
`;
}

interface PanelOutcome {
  answer: unknown;
  agents: number;
  rounds: number;
}
interface CellResult {
  open: Record<string, (PanelOutcome | string | null)[]>;
  yesno: Record<string, (PanelOutcome | string | null)[]>;
  verify: Record<string, { status: 'confirmed' | 'refuted' | 'unverified'; skeptics: number }[]>;
}

export interface MethodScore {
  readonly method: string;
  readonly score: ConsensusScore;
  /** Yes/no only: a plain majority of as many voters as the method used on average. */
  readonly majorityAtSameAgents?: number;
}

export interface CellScore {
  readonly knobs: QuizKnobs;
  readonly open: readonly MethodScore[];
  readonly yesno: readonly MethodScore[];
  readonly verify: readonly { readonly preset: string; readonly score: VerifyScore }[];
  readonly agents: number;
  readonly ms: number;
}

/** The number an answer states ("**1,888**", "1888." → 1888), or null. */
export function readNumber(answer: unknown): number | null {
  if (typeof answer === 'number') return answer;
  if (typeof answer !== 'string') return null;
  const m = /-?\d[\d,]*(?:\.\d+)?/.exec(answer);
  return m ? Number(m[0].replace(/,/g, '')) : null;
}

export function readYesNo(answer: unknown): 'yes' | 'no' | null {
  if (typeof answer === 'boolean') return answer ? 'yes' : 'no';
  if (typeof answer !== 'string') return null;
  const m = /\b(yes|no)\b/i.exec(answer);
  return m ? (m[1].toLowerCase() as 'yes' | 'no') : null;
}

export async function runCell(backend: QuizBackend, bank: QuizBank, knobs: QuizKnobs, presets: Presets = PRESETS): Promise<CellScore> {
  const t0 = performance.now();
  const args = { open: bank.open.map((q) => q.prompt), yesno: bank.yesno.map((q) => q.prompt), findings: bank.findings.map((f) => f.text) };
  const { result, agents } = await backend.run(cellScript(presets), args, knobs);
  const r = result as CellResult;
  const openRight = (i: number, a: unknown): boolean => readNumber(a) === bank.open[i].answer;
  const yesNoRight = (i: number, a: unknown): boolean => readYesNo(a) === bank.yesno[i].answer;
  const methods = (answers: CellResult['open'], right: (i: number, a: unknown) => boolean, yesno: boolean): MethodScore[] =>
    Object.entries(answers).map(([method, list]) => {
      const score = scoreConsensus(
        list.map((o, i) =>
          o !== null && typeof o === 'object'
            ? { correct: right(i, o.answer), agents: o.agents, rounds: o.rounds }
            : { correct: right(i, o), agents: 1, rounds: 1 },
        ),
      );
      const name = method === 'single' ? 'single agent' : `consensus ${method}`;
      return yesno
        ? { method: name, score, majorityAtSameAgents: majorityBound(score.meanAgents, knobs.errorRate, knobs.correlated === true) }
        : { method: name, score };
    });
  return {
    knobs,
    open: methods(r.open, openRight, false),
    yesno: methods(r.yesno, yesNoRight, true),
    verify: Object.entries(r.verify).map(([preset, list]) => ({
      preset,
      score: scoreVerify(list.map((o, i) => ({ valid: bank.findings[i].valid, status: o.status, skeptics: o.skeptics }))),
    })),
    agents,
    ms: performance.now() - t0,
  };
}
