import { intIn, pickOf, unit } from './random';

/**
 * The quiz: questions with a known right answer, so the verification helpers can be scored.
 * Every question is a pure function of `(seed, index)`: the bench generates the bank, the
 * offline model regenerates the same question from the marker in a prompt, and neither keeps
 * state. A question's marker (`[quiz:open:17]`) is what the model recognises; the rest of the
 * text is there so the prompt reads like a real task.
 */
export type QuizKind = 'open' | 'yesno' | 'finding';

/** A question whose wrong answers are spread over many plausible values (arithmetic). */
export interface OpenQuestion {
  readonly kind: 'open';
  readonly index: number;
  readonly prompt: string;
  readonly answer: number;
  /** Plausible wrong values, most popular first (wrong[0] is the trap of correlated mode). */
  readonly wrong: readonly number[];
}

export interface YesNoQuestion {
  readonly kind: 'yesno';
  readonly index: number;
  readonly prompt: string;
  readonly answer: 'yes' | 'no';
}

/** A finding to verify: true ones hold, planted false ones do not; the text does not say which. */
export interface QuizFinding {
  readonly kind: 'finding';
  readonly index: number;
  readonly text: string;
  readonly valid: boolean;
}

export type QuizQuestion = OpenQuestion | YesNoQuestion | QuizFinding;

/** Share of findings that are planted false ones. @default 0.3 */
export const DEFAULT_FALSE_SHARE = 0.3;
/** How many plausible wrong values an open question has. */
export const WRONG_VALUES = 12;

export const quizMarker = (kind: QuizKind, index: number): string => `[quiz:${kind}:${index}]`;

const MARKER = /\[quiz:(open|yesno|finding):(\d{1,9})\]/;

/** The first quiz marker in `text`, or null when the text is not a quiz prompt. */
export function parseQuizMarker(text: string): { kind: QuizKind; index: number } | null {
  const m = MARKER.exec(text);
  return m ? { kind: m[1] as QuizKind, index: Number(m[2]) } : null;
}

interface Arithmetic {
  readonly text: string;
  readonly answer: number;
}

const OPEN_TEMPLATES: readonly ((seed: number, index: number) => Arithmetic)[] = [
  (seed, index) => {
    const a = intIn(12, 99, seed, 'open', index, 'a');
    const b = intIn(12, 99, seed, 'open', index, 'b');
    const c = intIn(100, 999, seed, 'open', index, 'c');
    return { text: `What is ${a} × ${b} + ${c}?`, answer: a * b + c };
  },
  (seed, index) => {
    const a = intIn(1000, 9999, seed, 'open', index, 'a');
    const b = intIn(100, 999, seed, 'open', index, 'b');
    const c = intIn(10, 99, seed, 'open', index, 'c');
    return { text: `What is ${a} − ${b} + ${c}?`, answer: a - b + c };
  },
  (seed, index) => {
    const h = intIn(2, 48, seed, 'open', index, 'h');
    const m = intIn(1, 59, seed, 'open', index, 'm');
    return { text: `How many minutes are there in ${h} hours and ${m} minutes?`, answer: h * 60 + m };
  },
  (seed, index) => {
    const n = intIn(20, 200, seed, 'open', index, 'n');
    return { text: `What is the sum of the whole numbers from 1 to ${n}?`, answer: (n * (n + 1)) / 2 };
  },
];

export function openQuestion(seed: number, index: number): OpenQuestion {
  const q = pickOf(OPEN_TEMPLATES, seed, 'open', index, 'template')(seed, index);
  return {
    kind: 'open',
    index,
    answer: q.answer,
    wrong: plausibleWrong(q.answer, seed, index),
    prompt: `${quizMarker('open', index)} ${q.text} Answer with the number only.`,
  };
}

/**
 * Wrong values a careless solver produces: off by one, two, ten or a hundred, two digits
 * swapped, one digit off by one, a dropped or doubled zero. Shuffled per question so that
 * no error type is always the most popular.
 */
function plausibleWrong(answer: number, seed: number, index: number): number[] {
  const digits = String(answer);
  const candidates = new Set<number>([
    answer + 1,
    answer - 1,
    answer + 2,
    answer - 2,
    answer + 10,
    answer - 10,
    answer + 100,
    answer - 100,
    answer * 10,
    Math.floor(answer / 10),
  ]);
  for (let i = 0; i + 1 < digits.length; i++) {
    candidates.add(Number(digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2)));
  }
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    for (const nd of [d - 1, d + 1]) {
      if (nd >= 0 && nd <= 9 && !(i === 0 && nd === 0)) candidates.add(Number(digits.slice(0, i) + String(nd) + digits.slice(i + 1)));
    }
  }
  return [...candidates]
    .filter((v) => v > 0 && v !== answer)
    .map((v) => ({ v, order: unit(seed, 'open', index, 'order', v) }))
    .sort((a, b) => a.order - b.order)
    .slice(0, WRONG_VALUES)
    .map((c) => c.v);
}

const isPrime = (n: number): boolean => {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
};

/** Half the questions are "yes" and half "no", decided first; the numbers are then chosen to fit. */
export function yesNoQuestion(seed: number, index: number): YesNoQuestion {
  const yes = unit(seed, 'yesno', index, 'answer') < 0.5;
  const template = intIn(0, 2, seed, 'yesno', index, 'template');
  let text: string;
  if (template === 0) {
    let n = intIn(101, 997, seed, 'yesno', index, 'n');
    while (isPrime(n) !== yes) n++;
    text = `Is ${n} a prime number?`;
  } else if (template === 1) {
    const d = intIn(3, 13, seed, 'yesno', index, 'd');
    const k = intIn(20, 400, seed, 'yesno', index, 'k');
    const n = yes ? d * k : d * k + intIn(1, d - 1, seed, 'yesno', index, 'r');
    text = `Is ${n} divisible by ${d}?`;
  } else {
    const a = intIn(12, 99, seed, 'yesno', index, 'a');
    const b = intIn(12, 99, seed, 'yesno', index, 'b');
    const off = intIn(1, Math.max(1, Math.floor((a * b) / 20)), seed, 'yesno', index, 'off');
    text = `Is ${a} × ${b} greater than ${yes ? a * b - off : a * b + off}?`;
  }
  return { kind: 'yesno', index, answer: yes ? 'yes' : 'no', prompt: `${quizMarker('yesno', index)} ${text} Answer yes or no.` };
}

const FILES = [
  'src/auth/session.ts',
  'src/auth/login.ts',
  'src/api/users.ts',
  'src/db/query.ts',
  'src/util/crypto.ts',
  'src/http/upload.ts',
];
const ISSUES = [
  'the session token is compared with === instead of a constant-time comparison',
  'the password reset link does not expire',
  'user input reaches the SQL string without parameters',
  'the upload handler trusts the client-supplied MIME type',
  'errors from the token refresh are swallowed and the old token is reused',
  'the rate limiter counts per process, not per user',
  'the redirect target is taken from the query string without an allow-list',
  'the random IV is reused across messages',
];

/** Whether finding `index` is true; planted false ones are `falseShare` of the bank. */
export const findingIsValid = (seed: number, index: number, falseShare = DEFAULT_FALSE_SHARE): boolean =>
  unit(seed, 'finding', index, 'valid') >= falseShare;

export function quizFinding(seed: number, index: number, falseShare = DEFAULT_FALSE_SHARE): QuizFinding {
  const file = pickOf(FILES, seed, 'finding', index, 'file');
  const line = intIn(5, 400, seed, 'finding', index, 'line');
  const issue = pickOf(ISSUES, seed, 'finding', index, 'issue');
  return {
    kind: 'finding',
    index,
    valid: findingIsValid(seed, index, falseShare),
    text: `${quizMarker('finding', index)} ${file}:${line}: ${issue}`,
  };
}

export interface QuizBank {
  readonly open: readonly OpenQuestion[];
  readonly yesno: readonly YesNoQuestion[];
  readonly findings: readonly QuizFinding[];
}

/** `count` questions of each kind, indices 0..count-1, all from `seed`. */
export function quizBank(seed: number, counts: { open?: number; yesno?: number; findings?: number; falseShare?: number }): QuizBank {
  const range = (n = 0): number[] => Array.from({ length: n }, (_, i) => i);
  return {
    open: range(counts.open).map((i) => openQuestion(seed, i)),
    yesno: range(counts.yesno).map((i) => yesNoQuestion(seed, i)),
    findings: range(counts.findings).map((i) => quizFinding(seed, i, counts.falseShare)),
  };
}
