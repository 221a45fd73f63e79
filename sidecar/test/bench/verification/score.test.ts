import { majorityBound, markdownTable, scoreConsensus, scoreVerify, wilson } from '../../../src/bench/verification/score';

describe('benchmark scoring', () => {
  it('gives the majority-vote bound of n voters (a tie is a coin flip)', () => {
    expect(majorityBound(1, 0.3)).toBeCloseTo(0.7, 10);
    expect(majorityBound(2, 0.3)).toBeCloseTo(0.7, 10);
    expect(majorityBound(3, 0.3)).toBeCloseTo(0.7 ** 3 + 3 * 0.7 ** 2 * 0.3, 10);
    expect(majorityBound(7, 0.3)).toBeCloseTo(0.873964, 5);
    expect(majorityBound(3.5, 0.3)).toBeCloseTo((majorityBound(3, 0.3) + majorityBound(4, 0.3)) / 2, 10);
    expect(majorityBound(9, 0.3)).toBeGreaterThan(majorityBound(7, 0.3));
  });

  it('scores consensus accuracy and cost', () => {
    const s = scoreConsensus([
      { correct: true, agents: 3, rounds: 1 },
      { correct: true, agents: 5, rounds: 2 },
      { correct: false, agents: 7, rounds: 3 },
      { correct: true, agents: 3, rounds: 1 },
    ]);
    expect(s).toMatchObject({ questions: 4, accuracy: 0.75, meanAgents: 4.5, maxAgents: 7, meanRounds: 1.75 });
    expect(s.low).toBeLessThan(0.75);
    expect(s.high).toBeGreaterThan(0.75);
  });

  it('scores verify: precision of survivors, recall of true findings, removal of false ones', () => {
    const s = scoreVerify([
      { valid: true, status: 'confirmed', skeptics: 3 },
      { valid: true, status: 'confirmed', skeptics: 3 },
      { valid: true, status: 'unverified', skeptics: 3 },
      { valid: false, status: 'confirmed', skeptics: 5 },
      { valid: false, status: 'refuted', skeptics: 3 },
      { valid: false, status: 'unverified', skeptics: 3 },
    ]);
    expect(s.precision).toBeCloseTo(2 / 3, 10);
    expect(s.recall).toBeCloseTo(2 / 3, 10);
    expect(s.falseRemoved).toBeCloseTo(2 / 3, 10);
    expect(s.unverified).toBeCloseTo(2 / 6, 10);
    expect(s.meanSkeptics).toBeCloseTo(20 / 6, 10);
  });

  it('computes a Wilson interval that narrows with more trials', () => {
    const small = wilson(90, 100);
    const large = wilson(900, 1000);
    expect(small.low).toBeLessThan(0.9);
    expect(small.high).toBeGreaterThan(0.9);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(wilson(100, 100).high).toBeCloseTo(1, 10);
  });

  it('prints an aligned markdown table', () => {
    const t = markdownTable(
      ['a', 'long header'],
      [
        ['1', '2'],
        ['333', '4'],
      ],
    ).split('\n');
    expect(t).toHaveLength(4);
    expect(t[1]).toMatch(/^\|-+\|-+\|$/);
    expect(new Set(t.map((l) => l.length)).size).toBe(1);
  });
});
