import { openQuestion, quizAnswer, validateQuizKnobs, yesNoQuestion, type QuizKnobs, type QuizReply } from '../../../src/verification/quiz';

const textOf = (r: QuizReply | null): string => {
  if (r === null || !('text' in r)) throw new Error(`expected a text reply, got ${JSON.stringify(r)}`);
  return r.text;
};
const numberIn = (text: string): number => Number(text.replace(/[^\d-]/g, ''));
const voter = (prompt: string, i: number): string => `${prompt}\n\n(voter ${i})`;
const VERDICT = {
  type: 'object',
  properties: { verdict: { type: 'string', enum: ['valid', 'refuted'] }, reason: { type: 'string' } },
  required: ['verdict', 'reason'],
};

/** Share of wrong open answers over `questions` × `voters` calls. */
function openErrors(knobs: QuizKnobs, questions: number, voters: number): { rate: number; perQuestion: number[]; trapShare: number } {
  const perQuestion: number[] = [];
  let wrong = 0;
  let trap = 0;
  for (let q = 0; q < questions; q++) {
    const question = openQuestion(knobs.seed ?? 0, q);
    let wrongHere = 0;
    for (let v = 0; v < voters; v++) {
      const got = numberIn(textOf(quizAnswer({ prompt: voter(question.prompt, v), wants: 'text' }, knobs)));
      if (got !== question.answer) {
        wrongHere++;
        expect(question.wrong).toContain(got);
        if (got === question.wrong[0]) trap++;
      }
    }
    wrong += wrongHere;
    perQuestion.push(wrongHere / voters);
  }
  return { rate: wrong / (questions * voters), perQuestion, trapShare: wrong === 0 ? 0 : trap / wrong };
}

const variance = (xs: number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};

describe('quizAnswer', () => {
  it('answers only prompts that carry a quiz marker', () => {
    expect(quizAnswer({ prompt: 'What is 2 + 2?', wants: 'text' }, { errorRate: 0 })).toBeNull();
    expect(quizAnswer({ prompt: 'x', system: openQuestion(0, 1).prompt, wants: 'text' }, { errorRate: 0 })).not.toBeNull();
  });

  it('is deterministic: the same request always gets the same answer', () => {
    const knobs = { errorRate: 0.45, seed: 3 };
    for (let i = 0; i < 50; i++) {
      const req = { prompt: voter(openQuestion(3, i).prompt, i), wants: 'text' as const };
      expect(quizAnswer(req, knobs)).toEqual(quizAnswer(req, knobs));
    }
  });

  it('answers right at errorRate 0, in formats that all read as the number', () => {
    const formats = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const q = openQuestion(1, i);
      const text = textOf(quizAnswer({ prompt: voter(q.prompt, i), wants: 'text' }, { errorRate: 0, seed: 1 }));
      expect(numberIn(text)).toBe(q.answer);
      formats.add(text.replace(/\d/g, '9').replace(/9+/g, '9'));
    }
    expect(formats.size).toBeGreaterThan(2);
  });

  it('errs independently at the set rate across voters', () => {
    // 4,000 calls: the standard error of the rate is under 0.008, so ±0.03 is beyond 3.5 sigma.
    const { rate, perQuestion, trapShare } = openErrors({ errorRate: 0.3, correlated: false, seed: 42 }, 400, 10);
    expect(rate).toBeGreaterThan(0.27);
    expect(rate).toBeLessThan(0.33);
    // Independent errors: per-question error shares vary like a binomial (variance p(1-p)/10 = 0.021).
    expect(variance(perQuestion)).toBeLessThan(0.03);
    expect(trapShare).toBeLessThan(0.35);
  });

  it('in correlated mode keeps the mean rate but makes some questions much harder, with one popular wrong value', () => {
    const { rate, perQuestion, trapShare } = openErrors({ errorRate: 0.3, correlated: true, seed: 42 }, 400, 10);
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
    // Difficulty uniform on [0, 0.6] adds its variance 0.03 to the binomial part.
    expect(variance(perQuestion)).toBeGreaterThan(0.035);
    expect(trapShare).toBeGreaterThan(0.55);
  });

  it('flips yes/no answers at the set rate', () => {
    let wrong = 0;
    for (let i = 0; i < 2000; i++) {
      const q = yesNoQuestion(8, i % 200);
      const text = textOf(quizAnswer({ prompt: voter(q.prompt, i), wants: 'text' }, { errorRate: 0.1, seed: 8 })).toLowerCase();
      if (!text.includes(q.answer)) wrong++;
    }
    expect(wrong / 2000).toBeGreaterThan(0.08);
    expect(wrong / 2000).toBeLessThan(0.12);
  });

  it('fills schemas: a verdict for a skeptic, a number or a boolean for questions', () => {
    const knobs = { errorRate: 0, seed: 2, falseShare: 0.3 };
    let refuted = 0;
    for (let i = 0; i < 100; i++) {
      const r = quizAnswer({ prompt: `Try to refute: [quiz:finding:${i}] something`, wants: { schema: VERDICT } }, knobs);
      const json = (r as { json: { verdict: string; reason: string } }).json;
      expect(['valid', 'refuted']).toContain(json.verdict);
      expect(typeof json.reason).toBe('string');
      if (json.verdict === 'refuted') refuted++;
    }
    expect(refuted).toBeGreaterThan(15);
    expect(refuted).toBeLessThan(45);
    const q = openQuestion(2, 4);
    expect(
      quizAnswer({ prompt: q.prompt, wants: { schema: { type: 'object', properties: { answer: { type: 'integer' } } } } }, knobs),
    ).toEqual({ json: { answer: q.answer } });
    const yn = yesNoQuestion(2, 4);
    expect(
      quizAnswer(
        { prompt: yn.prompt, wants: { schema: { type: 'object', properties: { holds: { type: 'boolean' }, why: { type: 'string' } } } } },
        knobs,
      ),
    ).toEqual({ json: { holds: yn.answer === 'yes', why: expect.any(String) } });
  });

  it('has skeptics refute planted false findings and uphold true ones unless they err', () => {
    const judge = (i: number, errorRate: number, v: number): string =>
      (
        quizAnswer({ prompt: `skeptic ${v}: [quiz:finding:${i}]`, wants: { schema: VERDICT } }, { errorRate, seed: 4 }) as {
          json: { verdict: string };
        }
      ).json.verdict;
    const truth = Array.from({ length: 50 }, (_, i) => judge(i, 0, 0));
    for (let v = 1; v < 5; v++) expect(Array.from({ length: 50 }, (_, i) => judge(i, 0, v))).toEqual(truth);
    const flipped = Array.from({ length: 50 }, (_, i) => judge(i, 1, 0));
    expect(flipped).toEqual(truth.map((t) => (t === 'valid' ? 'refuted' : 'valid')));
  });

  it('refuses bad knobs, naming the knob', () => {
    expect(() => validateQuizKnobs({ errorRate: 2 })).toThrow(/quiz\.errorRate/);
    expect(() => validateQuizKnobs({ errorRate: 0.1, seed: -1 })).toThrow(/quiz\.seed/);
    expect(() => validateQuizKnobs({ errorRate: 0.1, correlated: 'yes' })).toThrow(/quiz\.correlated/);
    expect(() => validateQuizKnobs({})).toThrow(/quiz\.errorRate/);
    expect(validateQuizKnobs({ errorRate: 0.1, correlated: true, seed: 3 })).toEqual({ errorRate: 0.1, correlated: true, seed: 3 });
  });
});
