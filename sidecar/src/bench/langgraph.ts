import Anthropic from '@anthropic-ai/sdk';
import { Annotation, END, START, Send, StateGraph } from '@langchain/langgraph';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';

/**
 * A peer for `npm run bench`: LangGraph.js fanning out `n` agent nodes with `Send`, at most
 * `concurrency` at once (the graph's `maxConcurrency`), each node one `messages.create`
 * through the Anthropic SDK: the floor's call. No checkpointer (nothing is persisted, as in
 * the floor). Run as its own process; prints one JSON line.
 */
const State = Annotation.Root({
  n: Annotation<number>,
  /** Each agent's answer text, in completion order. */
  answers: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

/** What one `Send` carries to an agent node. */
interface AgentInput {
  readonly i: number;
}

async function main(): Promise<void> {
  const [baseURL, nRaw, concRaw] = process.argv.slice(2);
  const n = Number(nRaw);
  // Each running task listens on the graph's abort signal: quiet Node's leak warning at this concurrency.
  setMaxListeners(4 * Number(concRaw) + 10);
  const client = new Anthropic({ apiKey: 'bench', baseURL, maxRetries: 0 });
  const graph = new StateGraph(State)
    .addNode('agent', async (input: AgentInput) => {
      const msg = await client.messages.create({
        model: 'offline-claude',
        max_tokens: 1024,
        messages: [{ role: 'user', content: `bench item ${input.i}` }],
      });
      const text = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      return { answers: [text] };
    })
    .addConditionalEdges(
      START,
      (s: typeof State.State) => Array.from({ length: s.n }, (_, i) => new Send('agent', { i } satisfies AgentInput)),
      ['agent'],
    )
    .addEdge('agent', END)
    .compile();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await graph.invoke({ n }, { maxConcurrency: Number(concRaw), recursionLimit: 10 });
  const makespanMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (out.answers.length !== n) throw new Error(`langgraph: ${out.answers.length} answers of ${n}`);
  process.stdout.write(`${JSON.stringify({ makespanMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: peakRssMb() })}\n`);
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
