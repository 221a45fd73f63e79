import { directBackend, type QuizBackend } from '../../../src/bench/verification/backends';
import { runCell, type CellScore, type Presets } from '../../../src/bench/verification/cells';
import { DEFAULT_FALSE_SHARE, quizBank, type QuizBank } from '../../../src/verification/quiz';

/**
 * The README's verification claims, bounded a little under the measured figures (seed 1,
 * 1,000 per kind: open answers 99.4 % at 5.41 agents; verify with `{margin: 4, maxSkeptics:
 * 31}` kept 97.0 % and removed 96.3 %). Four fixed seeds of 1,000 questions and 1,000 findings
 * each, pooled: 4,000 open answers and ~2,800 true / ~1,200 false findings, so a bound 1.5
 * points under the measured figure is several standard errors away and cannot flip by chance,
 * yet a regression of a point or two in the helpers fails it. The helpers run for real in the
 * isolated-vm sandbox; agent() is the offline model's quiz, in-process (the same `quizAnswer`
 * the offline server answers with).
 */
const SEEDS = [1, 2, 3, 4];
const PER_SEED = 1000;
const ERROR_RATE = 0.3;
const PRESETS: Presets = {
  open: { defaults: '{}' },
  yesno: {},
  verify: { 'margin: 4, maxSkeptics: 31': '{ margin: 4, maxSkeptics: 31 }' },
};

interface Pooled {
  single: number;
  open: number;
  openAgents: number;
  kept: number;
  removed: number;
  skeptics: number;
}

function pool(cells: readonly { bank: QuizBank; cell: CellScore }[]): Pooled {
  let questions = 0,
    single = 0,
    right = 0,
    agents = 0,
    trueOnes = 0,
    kept = 0,
    falseOnes = 0,
    removed = 0,
    findings = 0,
    skeptics = 0;
  for (const { bank, cell } of cells) {
    const open = cell.open.find((m) => m.method === 'consensus defaults');
    const alone = cell.open.find((m) => m.method === 'single agent');
    const verify = cell.verify[0];
    if (alone === undefined || open === undefined || verify === undefined) throw new Error('cell is missing a method');
    const t = bank.findings.filter((f) => f.valid).length;
    const f = bank.findings.length - t;
    questions += open.score.questions;
    single += alone.score.accuracy * alone.score.questions;
    right += open.score.accuracy * open.score.questions;
    agents += open.score.meanAgents * open.score.questions;
    trueOnes += t;
    kept += verify.score.recall * t;
    falseOnes += f;
    removed += verify.score.falseRemoved * f;
    findings += verify.score.findings;
    skeptics += verify.score.meanSkeptics * verify.score.findings;
  }
  return {
    single: single / questions,
    open: right / questions,
    openAgents: agents / questions,
    kept: kept / trueOnes,
    removed: removed / falseOnes,
    skeptics: skeptics / findings,
  };
}

describe('verification accuracy at 30 % independent agent error (seeded)', () => {
  let backend: QuizBackend;
  let pooled: Pooled;
  beforeAll(async () => {
    backend = directBackend();
    const cells: { bank: QuizBank; cell: CellScore }[] = [];
    for (const seed of SEEDS) {
      const bank = quizBank(seed, { open: PER_SEED, yesno: 0, findings: PER_SEED, falseShare: DEFAULT_FALSE_SHARE });
      cells.push({ bank, cell: await runCell(backend, bank, { errorRate: ERROR_RATE, seed, falseShare: DEFAULT_FALSE_SHARE }, PRESETS) });
    }
    pooled = pool(cells);
  }, 120_000);
  afterAll(async () => {
    await backend.close();
  });

  it('the agents really err: a single agent is right about 70 % of the time', () => {
    expect(pooled.single).toBeGreaterThan(0.65);
    expect(pooled.single).toBeLessThan(0.75);
  });

  it('consensus answers at least 98.5 % of open questions right with at most 7 agents each on average', () => {
    expect(pooled.open).toBeGreaterThanOrEqual(0.985);
    expect(pooled.openAgents).toBeLessThanOrEqual(7);
  });

  it('verify with {margin: 4, maxSkeptics: 31} keeps at least 95 % of true findings and removes at least 95 % of false ones', () => {
    expect(pooled.kept).toBeGreaterThanOrEqual(0.95);
    expect(pooled.removed).toBeGreaterThanOrEqual(0.95);
    // Escalation is what buys it: far more than the default 3 skeptics, far fewer than the cap.
    expect(pooled.skeptics).toBeGreaterThan(3);
    expect(pooled.skeptics).toBeLessThan(31);
  });
});
