import { directBackend, engineBackend, type QuizBackend } from './verification/backends';
import { runCell, type CellScore } from './verification/cells';
import { majorityBound, markdownTable, pct } from './verification/score';
import { DEFAULT_FALSE_SHARE, quizBank, type QuizKnobs } from '../verification/quiz';

/**
 * `npm run bench:verify`: how much the verification helpers buy, measured on a quiz with known
 * answers. For each error rate (10%, 30%, 45%), with independent and with correlated errors:
 * single agents vs consensus on open-answer and yes/no questions, and verify() on findings
 * with planted false ones. The helpers run for real in the sandbox; the agents are the offline
 * model in quiz mode, through the engine (BENCH_PATH=direct: in-process, without the engine;
 * the engine path fails with the reason when the offline server does not answer the quiz).
 *
 * Environment: BENCH_QUESTIONS (per kind and cell, default 200), BENCH_FINDINGS (default 200),
 * BENCH_SEED (default 1), BENCH_PATH (engine | direct, default engine).
 */
const QUESTIONS = intEnv('BENCH_QUESTIONS', 200);
const FINDINGS = intEnv('BENCH_FINDINGS', 200);
const SEED = intEnv('BENCH_SEED', 1);
const ERROR_RATES = [0.1, 0.3, 0.45];

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  // parallel() takes at most 4,096 items, and a cell must stay under the run's 100,000 agents.
  if (!Number.isInteger(n) || n < 1 || n > 2000)
    throw new Error(`Expected \`${name}\` to be an integer 1..2000, got ${JSON.stringify(raw)}`);
  return n;
}

async function chooseBackend(): Promise<QuizBackend> {
  const wanted = process.env.BENCH_PATH ?? 'engine';
  if (!['auto', 'engine', 'direct'].includes(wanted))
    throw new Error(`Expected \`BENCH_PATH\` to be engine or direct, got ${JSON.stringify(wanted)}`);
  // 'auto' is the old name of the default; the engine path now fails loudly instead of falling back.
  return wanted === 'direct' ? directBackend() : engineBackend();
}

const mode = (k: QuizKnobs): string => (k.correlated ? 'correlated' : 'independent');
const num = (x: number, digits = 2): string => x.toFixed(digits);

function openTable(cells: readonly CellScore[]): string {
  const rows = cells.flatMap((c) =>
    c.open.map((m) => [
      pct(c.knobs.errorRate, 0),
      mode(c.knobs),
      m.method,
      pct(m.score.accuracy),
      `${pct(m.score.low)}–${pct(m.score.high)}`,
      num(m.score.meanAgents),
      String(m.score.maxAgents),
      num(m.score.meanRounds),
    ]),
  );
  return markdownTable(['agent error', 'errors', 'method', 'accuracy', '95% CI', 'agents/question', 'max', 'rounds'], rows);
}

function yesNoTable(cells: readonly CellScore[]): string {
  const rows = cells.flatMap((c) =>
    c.yesno.map((m) => [
      pct(c.knobs.errorRate, 0),
      mode(c.knobs),
      m.method,
      pct(m.score.accuracy),
      num(m.score.meanAgents),
      pct(m.majorityAtSameAgents ?? 0),
      pct(majorityBound(7, c.knobs.errorRate, c.knobs.correlated === true)),
    ]),
  );
  return markdownTable(
    ['agent error', 'errors', 'method', 'accuracy', 'agents/question', 'majority bound, same agents', 'majority of 7'],
    rows,
  );
}

function verifyTable(cells: readonly CellScore[]): string {
  const rows = cells.flatMap((c) =>
    c.verify.map((v) => [
      pct(c.knobs.errorRate, 0),
      mode(c.knobs),
      v.preset,
      pct(v.score.precision),
      pct(v.score.recall),
      pct(v.score.falseRemoved),
      pct(v.score.unverified),
      num(v.score.meanSkeptics),
    ]),
  );
  return markdownTable(
    ['skeptic error', 'errors', 'verify options', 'precision', 'true kept (recall)', 'false removed', 'unverified', 'skeptics/finding'],
    rows,
  );
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const backend = await chooseBackend();
  const bank = quizBank(SEED, { open: QUESTIONS, yesno: QUESTIONS, findings: FINDINGS, falseShare: DEFAULT_FALSE_SHARE });
  const cells: CellScore[] = [];
  try {
    for (const correlated of [false, true]) {
      for (const errorRate of ERROR_RATES) {
        const cell = await runCell(backend, bank, { errorRate, correlated, seed: SEED, falseShare: DEFAULT_FALSE_SHARE });
        cells.push(cell);
        process.stderr.write(`  ${pct(errorRate, 0)} ${mode(cell.knobs)}: ${cell.agents} agents in ${(cell.ms / 1000).toFixed(1)} s\n`);
      }
    }
  } finally {
    await backend.close();
  }
  const agents = cells.reduce((a, c) => a + c.agents, 0);
  const path =
    backend.name === 'engine'
      ? 'engine: the sidecar engine + isolated-vm sandbox + SDK provider over HTTP to the offline model server in quiz mode'
      : 'direct: the isolated-vm sandbox with the verification prelude; agent() answered in-process by quizAnswer (no engine, no HTTP)';
  process.stdout.write(
    [
      `# Verification benchmark (seed ${SEED})`,
      '',
      `Path: ${path}. ${agents} agents in ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
      '',
      `## Open-answer questions (${QUESTIONS} per cell)`,
      '',
      openTable(cells),
      '',
      `## Yes/no questions (${QUESTIONS} per cell)`,
      '',
      yesNoTable(cells),
      '',
      `## verify(): ${FINDINGS} findings per cell, ${pct(DEFAULT_FALSE_SHARE, 0)} planted false`,
      '',
      verifyTable(cells),
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
