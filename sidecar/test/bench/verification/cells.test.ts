import { checkScript } from '../../../src/sandbox';
import { directBackend, engineBackend, type QuizBackend } from '../../../src/bench/verification/backends';
import { PRESETS, cellScript, readNumber, readYesNo, runCell } from '../../../src/bench/verification/cells';
import { VERIFICATION_GLOBALS } from '../../../src/verification';
import { quizBank } from '../../../src/verification/quiz';

const bank = quizBank(3, { open: 15, yesno: 15, findings: 15 });

describe('verification benchmark cells', () => {
  let direct: QuizBackend;
  beforeAll(() => {
    direct = directBackend();
  });
  afterAll(async () => {
    await direct.close();
  });

  it('reads answers the way models write them', () => {
    expect(readNumber('**1,888**')).toBe(1888);
    expect(readNumber(' 1888.\n')).toBe(1888);
    expect(readNumber('-12')).toBe(-12);
    expect(readNumber(42)).toBe(42);
    expect(readNumber(null)).toBeNull();
    expect(readNumber('no idea')).toBeNull();
    expect(readYesNo('**Yes**')).toBe('yes');
    expect(readYesNo('NO')).toBe('no');
    expect(readYesNo(true)).toBe('yes');
    expect(readYesNo('maybe')).toBeNull();
  });

  it('writes a cell script that passes the script check', () => {
    expect(() => checkScript(cellScript(PRESETS), { extraGlobals: VERIFICATION_GLOBALS })).not.toThrow();
  });

  it('scores a perfect cell as perfect: every method right, nothing false survives', async () => {
    const cell = await runCell(direct, bank, { errorRate: 0, seed: 3 });
    for (const m of [...cell.open, ...cell.yesno]) expect(m.score.accuracy).toBe(1);
    expect(cell.open.find((m) => m.method === 'consensus defaults')?.score.meanAgents).toBe(3);
    for (const v of cell.verify) expect(v.score).toMatchObject({ precision: 1, recall: 1, falseRemoved: 1, unverified: 0 });
    expect(cell.agents).toBeGreaterThan(0);
  });

  it('scores an always-wrong cell as wrong', async () => {
    const cell = await runCell(direct, bank, { errorRate: 1, seed: 3 });
    for (const m of cell.yesno) expect(m.score.accuracy).toBe(0);
    expect(cell.open.find((m) => m.method === 'single agent')?.score.accuracy).toBe(0);
    for (const v of cell.verify) expect(v.score).toMatchObject({ recall: 0, falseRemoved: 0 });
  });

  it('through the engine, when the offline model answers quiz prompts, scores a perfect cell as perfect', async () => {
    const engine = await engineBackend();
    try {
      const small = quizBank(3, { open: 5, yesno: 5, findings: 5 });
      const cell = await runCell(engine, small, { errorRate: 0, seed: 3 });
      for (const m of [...cell.open, ...cell.yesno]) expect(m.score.accuracy).toBe(1);
      for (const v of cell.verify) expect(v.score.recall).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
