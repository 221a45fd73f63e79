import { openQuestion, parseQuizMarker, quizBank, quizFinding, quizMarker, yesNoQuestion } from '../../../src/verification/quiz';

/** Recomputes an arithmetic question from its text, independently of the generator. */
function solve(prompt: string): number {
  let m = /What is (\d+) × (\d+) \+ (\d+)\?/.exec(prompt);
  if (m) return Number(m[1]) * Number(m[2]) + Number(m[3]);
  m = /What is (\d+) − (\d+) \+ (\d+)\?/.exec(prompt);
  if (m) return Number(m[1]) - Number(m[2]) + Number(m[3]);
  m = /in (\d+) hours and (\d+) minutes/.exec(prompt);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = /from 1 to (\d+)\?/.exec(prompt);
  if (m) return Array.from({ length: Number(m[1]) }, (_, i) => i + 1).reduce((a, b) => a + b, 0);
  throw new Error(`unrecognised question: ${prompt}`);
}

function judge(prompt: string): 'yes' | 'no' {
  let m = /Is (\d+) a prime number\?/.exec(prompt);
  if (m) {
    const n = Number(m[1]);
    for (let d = 2; d * d <= n; d++) if (n % d === 0) return 'no';
    return 'yes';
  }
  m = /Is (\d+) divisible by (\d+)\?/.exec(prompt);
  if (m) return Number(m[1]) % Number(m[2]) === 0 ? 'yes' : 'no';
  m = /Is (\d+) × (\d+) greater than (\d+)\?/.exec(prompt);
  if (m) return Number(m[1]) * Number(m[2]) > Number(m[3]) ? 'yes' : 'no';
  throw new Error(`unrecognised question: ${prompt}`);
}

describe('quiz question bank', () => {
  it('open questions carry their marker and the answer their text asks for', () => {
    for (let i = 0; i < 200; i++) {
      const q = openQuestion(7, i);
      expect(parseQuizMarker(q.prompt)).toEqual({ kind: 'open', index: i });
      expect(q.answer).toBe(solve(q.prompt));
    }
  });

  it('open questions have a spread of distinct plausible wrong values, never the answer', () => {
    for (let i = 0; i < 200; i++) {
      const q = openQuestion(3, i);
      expect(q.wrong.length).toBeGreaterThanOrEqual(8);
      expect(new Set(q.wrong).size).toBe(q.wrong.length);
      expect(q.wrong).not.toContain(q.answer);
      for (const w of q.wrong) expect(w).toBeGreaterThan(0);
    }
  });

  it('yes/no answers are right and about half are yes', () => {
    let yes = 0;
    for (let i = 0; i < 300; i++) {
      const q = yesNoQuestion(11, i);
      expect(q.answer).toBe(judge(q.prompt));
      if (q.answer === 'yes') yes++;
    }
    expect(yes).toBeGreaterThan(120);
    expect(yes).toBeLessThan(180);
  });

  it('plants false findings at the requested share', () => {
    const bank = quizBank(5, { findings: 1000, falseShare: 0.3 });
    const planted = bank.findings.filter((f) => !f.valid).length;
    expect(planted).toBeGreaterThan(250);
    expect(planted).toBeLessThan(350);
    expect(bank.findings[12].text.startsWith(quizMarker('finding', 12))).toBe(true);
    expect(bank.findings[12]).toEqual(quizFinding(5, 12, 0.3));
  });

  it('is a pure function of the seed', () => {
    expect(quizBank(9, { open: 20, yesno: 20, findings: 20 })).toEqual(quizBank(9, { open: 20, yesno: 20, findings: 20 }));
    const a = quizBank(9, { open: 20 }).open.map((q) => q.prompt);
    const b = quizBank(10, { open: 20 }).open.map((q) => q.prompt);
    expect(a).not.toEqual(b);
  });

  it('reads markers and ignores text without one', () => {
    expect(parseQuizMarker('judge [quiz:finding:12] now')).toEqual({ kind: 'finding', index: 12 });
    expect(parseQuizMarker('[quiz:other:1] and [offline:text=x]')).toBeNull();
  });
});
