import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { Engine } from '../../engine/engine';
import type { AgentOptions } from '../../core/types';
import { createOfflineModelServer, type OfflineModelServer } from '../../offline';
import { createProvider } from '../../providers';
import { IsolatedVmSandbox } from '../../sandbox';
import type { SandboxHost } from '../../sandbox/types';
import { openDatabase } from '../../store/db';
import { SqliteStore } from '../../store/sqlite-store';
import { VERIFICATION_PRELUDE } from '../../verification/prelude';
import { openQuestion, quizAnswer, type QuizKnobs } from '../../verification/quiz';

/**
 * Where the benchmark runs workflow scripts. Both run the helpers for real in the
 * isolated-vm sandbox; they differ in who answers agent():
 * - `engine`: the whole runtime (engine, journal, the SDK provider over HTTP) against the
 *   offline model server in quiz mode (its `quiz` knob);
 * - `direct`: a host whose agent() calls `quizAnswer` in-process (no engine, no HTTP).
 */
export interface QuizBackend {
  readonly name: 'engine' | 'direct';
  /** Runs `source` with `args`, the quiz answering with `knobs`; the script's result and the agents it started. */
  run(source: string, args: unknown, knobs: QuizKnobs): Promise<{ result: unknown; agents: number }>;
  close(): Promise<void>;
}

const BENCH_LIMITS = { memoryMb: 256, cpuMs: 120_000, maxAgents: 100_000, maxItems: 4096, maxResultBytes: 20_000_000 };

export function directBackend(): QuizBackend {
  const sandbox = new IsolatedVmSandbox({ preludeModules: [VERIFICATION_PRELUDE] });
  return {
    name: 'direct',
    async run(source, args, knobs) {
      let agents = 0;
      const host: SandboxHost = {
        async agent(_seq: number, prompt: string, opts: AgentOptions) {
          agents++;
          await Promise.resolve();
          const reply = quizAnswer({ prompt, system: opts.system ?? null, wants: opts.schema ? { schema: opts.schema } : 'text' }, knobs);
          return reply === null ? null : 'text' in reply ? reply.text : reply.json;
        },
        phase: () => undefined,
        log: () => undefined,
        budget: () => ({ total: { tokens: 1e12, usd: 1e9 }, spent: { tokens: 0, usd: 0 } }),
        emit: () => undefined,
      };
      const outcome = await sandbox.run({
        script: { source, meta: null },
        args,
        host,
        limits: BENCH_LIMITS,
        signal: new AbortController().signal,
      });
      if (!outcome.ok) throw new Error(`bench script failed: ${outcome.error.code}: ${outcome.error.message}`);
      return { result: outcome.result, agents };
    },
    async close() {
      sandbox.dispose();
    },
  };
}

/**
 * The engine against the offline model server in quiz mode. It first checks that the server
 * answers a quiz prompt exactly as `quizAnswer` does, and throws (with the reason) when it
 * does not or cannot be reached: a bench or test through the engine never silently measures
 * something else.
 */
export async function engineBackend(): Promise<QuizBackend> {
  const model = createOfflineModelServer({});
  const { url } = await model.listen(0, '127.0.0.1');
  try {
    await checkAnswersQuiz(model, url);
  } catch (err) {
    await model.close();
    throw err;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-bench-verify-'));
  const config = loadConfig(
    {
      DW_DEV: '1',
      DW_DATA_DIR: dataDir,
      DW_PROVIDER: 'offline',
      DW_LOG_LEVEL: 'warn',
      DW_GLOBAL_MAX_PARALLEL: '256',
      DW_MAX_AGENTS: String(BENCH_LIMITS.maxAgents),
      DW_CPU_MS: String(BENCH_LIMITS.cpuMs),
      DW_MEMORY_MB: String(BENCH_LIMITS.memoryMb),
    },
    dataDir,
  );
  const db = openDatabase(config.dataDir);
  const provider = createProvider('offline', {}, { baseURL: url });
  const sandbox = new IsolatedVmSandbox({ preludeModules: [VERIFICATION_PRELUDE] });
  const engine = new Engine({ config, store: new SqliteStore(db), provider, sandbox });
  return {
    name: 'engine',
    async run(source, args, knobs) {
      model.setKnobs({ quiz: { ...knobs } });
      const started = await engine.start({
        task: 'verification benchmark',
        script: source,
        input: args,
        options: {
          limits: { maxAgents: BENCH_LIMITS.maxAgents, maxParallel: 64, cpuMs: BENCH_LIMITS.cpuMs, memoryMb: BENCH_LIMITS.memoryMb },
        },
      });
      const run = await engine.waitFor(started.id);
      if (run.status !== 'converged') throw new Error(`bench run ended ${run.status}: ${JSON.stringify(run.error)}`);
      return { result: run.result, agents: run.counts.total };
    },
    async close() {
      await engine.close();
      sandbox.dispose();
      await provider.close?.();
      db.close();
      await model.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Throws unless the offline model answers a quiz prompt as `quizAnswer` does. */
async function checkAnswersQuiz(model: OfflineModelServer, url: string): Promise<void> {
  const knobs: QuizKnobs = { errorRate: 0, seed: 1 };
  const prompt = openQuestion(1, 0).prompt;
  const expected = quizAnswer({ prompt, wants: 'text' }, knobs);
  if (expected === null || !('text' in expected)) throw new Error('quizAnswer gives no text answer to an open question');
  model.setKnobs({ quiz: { ...knobs } });
  try {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'offline', max_tokens: 256, messages: [{ role: 'user', content: prompt }] }),
    });
    const raw = await res.text();
    if (!res.ok) throw new Error(`offline model server answered a quiz probe with HTTP ${res.status}: ${raw.slice(0, 200)}`);
    const body = JSON.parse(raw) as { content?: { type: string; text?: string }[] };
    const text = body.content?.find((b) => b.type === 'text')?.text;
    if (text !== expected.text) {
      throw new Error(
        `offline model server does not answer quiz prompts as quizAnswer does: expected ${JSON.stringify(expected.text)}, got ${JSON.stringify(text)}`,
      );
    }
  } finally {
    model.setKnobs({ quiz: null });
  }
}
