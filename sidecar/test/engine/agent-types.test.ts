/**
 * Operator-defined agent types (DW_AGENT_TYPES) and `effort`, through the real engine, sandbox
 * and store against the offline model: what each agent was given, what reached the model, and
 * the fingerprints that decide replay.
 */
import { MODEL_ALIAS_TABLE } from '../../src/core/models';
import type { AgentRecord } from '../../src/core/types';
import { createOfflineModelServer } from '../../src/offline';
import { createProvider } from '../../src/providers';
import type { Message, MessageParams, ModelProvider } from '../../src/providers/types';
import { startHarness, type Harness, type OfflineServer } from '../support/engine-harness';

const REVIEWER = { system: 'You review code for security bugs.', tools: ['read_file', 'grep'], model: 'haiku' };
const TYPES = { reviewer: REVIEWER, writer: { tools: ['write_file'] }, plain: {} };
const RUN_TOOLS = ['read_file', 'grep', 'list_files'];

/** The offline provider, keeping every request it sends. */
class Recording implements ModelProvider {
  readonly name = 'offline' as const;
  readonly requests: MessageParams[] = [];
  constructor(private readonly inner: ModelProvider) {}
  get defaultModel(): string {
    return this.inner.defaultModel;
  }
  createMessage(params: MessageParams, signal?: AbortSignal): Promise<Message> {
    this.requests.push(structuredClone(params));
    return this.inner.createMessage(params, signal);
  }
}

const systemText = (p: MessageParams): string[] => (Array.isArray(p.system) ? p.system.map((b) => b.text) : [String(p.system ?? '')]);
const promptOf = (p: MessageParams): string => (typeof p.messages[0].content === 'string' ? p.messages[0].content : '');

describe('agent types and effort through the engine', () => {
  let model: OfflineServer;
  let url: string;
  beforeAll(async () => {
    model = createOfflineModelServer({ latencyMs: 0 });
    url = (await model.listen(0, '127.0.0.1')).url;
  });
  afterAll(async () => {
    await model.close();
  });

  async function harness(types: unknown): Promise<{ h: Harness; provider: Recording }> {
    const provider = new Recording(createProvider('offline', {}, { baseURL: url }));
    const h = await startHarness({ env: { DW_AGENT_TYPES: JSON.stringify(types) }, model: { server: model, url }, deps: { provider } });
    return { h, provider };
  }
  const byLabel = async (h: Harness, id: string): Promise<Record<string, AgentRecord>> =>
    Object.fromEntries((await h.engine.agents(id, { limit: 100 })).agents.map((a) => [a.label ?? '', a]));

  test("a type's system, tools and model are the agent's defaults; the script's options win; widening and unknown types fail the agent", async () => {
    const { h, provider } = await harness(TYPES);
    try {
      const run = await h.run({
        task: 'agent types',
        options: { tools: RUN_TOOLS },
        script: `
          const reviewer = await agent('Describe the module', { agentType: 'reviewer', label: 'reviewer' });
          const override = await agent('Describe the module again', { agentType: 'reviewer', label: 'override', tools: ['list_files'], model: 'opus', system: 'Be brief.' });
          const plain = await agent('Describe the plan', { agentType: 'plain', label: 'plain' });
          const widen = await agent('Write it down', { agentType: 'writer', label: 'widen' });
          const unknown = await agent('Describe', { agentType: 'nope', label: 'unknown' });
          const general = await agent('Describe the idea', { agentType: 'general-purpose', label: 'general' });
          return { reviewer: typeof reviewer, override: typeof override, plain: typeof plain, widen, unknown, general: typeof general };
        `,
      });
      expect(run.status).toBe('converged');
      expect(run.result).toEqual({
        reviewer: 'string',
        override: 'string',
        plain: 'string',
        widen: null,
        unknown: null,
        general: 'string',
      });
      const a = await byLabel(h, run.id);
      expect(a.reviewer).toMatchObject({
        status: 'done',
        agentType: 'reviewer',
        tools: REVIEWER.tools,
        model: MODEL_ALIAS_TABLE.offline.haiku,
      });
      expect(a.override).toMatchObject({ status: 'done', tools: ['list_files'], model: MODEL_ALIAS_TABLE.offline.opus });
      expect(a.plain).toMatchObject({ status: 'done', tools: RUN_TOOLS, model: provider.defaultModel });
      expect(a.general).toMatchObject({ status: 'done', tools: RUN_TOOLS, model: provider.defaultModel });
      expect(a.widen).toMatchObject({ status: 'failed', tools: ['write_file'], error: { code: 'tool_not_allowed' } });
      expect(a.unknown).toMatchObject({ status: 'failed', error: { code: 'unknown_agent_type' } });
      expect(a.unknown.error?.message).toMatch(
        /Unknown agentType "nope": this sidecar defines "general-purpose", "reviewer", "writer", "plain"/,
      );

      // What reached the model: the type's system prompt (before the script's), its tools.
      const sent = (prompt: string) => provider.requests.find((p) => promptOf(p) === prompt)!;
      const reviewerReq = sent('Describe the module');
      expect(systemText(reviewerReq).slice(1)).toEqual([REVIEWER.system]);
      expect(reviewerReq.tools?.map((t) => (t as { name: string }).name)).toEqual(REVIEWER.tools);
      expect(reviewerReq.model).toBe(MODEL_ALIAS_TABLE.offline.haiku);
      expect(systemText(sent('Describe the module again')).slice(1)).toEqual([REVIEWER.system, 'Be brief.']);
      expect(systemText(sent('Describe the idea'))).toHaveLength(1);
      expect(provider.requests.some((p) => promptOf(p) === 'Write it down' || promptOf(p) === 'Describe')).toBe(false);
    } finally {
      await h.close();
    }
  });

  test('the profile is part of the fingerprint: the same call under a changed profile is a new call, an unchanged one the same', async () => {
    const script = `
      await agent('Describe the module', { agentType: 'reviewer', label: 'typed' });
      await agent('Describe the module', { tools: ['read_file', 'grep'], model: 'haiku', system: ${JSON.stringify(REVIEWER.system)}, label: 'untyped' });
      return 1;
    `;
    const fingerprints = async (types: unknown): Promise<Record<string, string>> => {
      const { h } = await harness(types);
      try {
        const run = await h.run({ task: 'fp', options: { tools: RUN_TOOLS }, script });
        expect(run.status).toBe('converged');
        return Object.fromEntries(Object.entries(await byLabel(h, run.id)).map(([k, v]) => [k, v.fingerprint]));
      } finally {
        await h.close();
      }
    };
    const first = await fingerprints(TYPES);
    const again = await fingerprints(TYPES);
    const changed = await fingerprints({ ...TYPES, reviewer: { ...REVIEWER, system: 'You review code for style.' } });
    const unrelated = await fingerprints({ reviewer: REVIEWER });
    expect(again).toEqual(first);
    expect(first.typed).not.toBe(first.untyped);
    expect(changed.typed).not.toBe(first.typed);
    expect(changed.untyped).toBe(first.untyped);
    // Other types of the configuration do not matter to this call.
    expect(unrelated.typed).toBe(first.typed);
  });

  test('effort reaches the model as a thinking budget, except for schema agents; a sent effort is part of the fingerprint', async () => {
    const { h, provider } = await harness({});
    try {
      const schema = JSON.stringify({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] });
      const run = await h.run({
        task: 'effort',
        script: `
          const a = await agent('Think hard', { effort: 'high', label: 'high' });
          const b = await agent('Think hard', { label: 'none' });
          const c = await agent('Answer yes', { effort: 'max', schema: ${schema}, label: 'schema-max' });
          const d = await agent('Answer yes', { schema: ${schema}, label: 'schema-none' });
          return { a: typeof a, b: typeof b, c, d };
        `,
      });
      expect(run.status).toBe('converged');
      expect(run.result).toMatchObject({ a: 'string', b: 'string' });
      const think = provider.requests.filter((p) => promptOf(p) === 'Think hard');
      expect(think.map((p) => [p.thinking ?? null, p.max_tokens])).toEqual([
        [{ type: 'enabled', budget_tokens: 16_000 }, 16_000 + 4096],
        [null, 4096],
      ]);
      const schemaReqs = provider.requests.filter((p) => promptOf(p) === 'Answer yes');
      expect(schemaReqs.length).toBeGreaterThanOrEqual(2);
      for (const p of schemaReqs) expect(p.thinking).toBeUndefined();
      const a = await byLabel(h, run.id);
      expect(a.high).toMatchObject({ effort: 'high', status: 'done' });
      expect(a.high.fingerprint).not.toBe(a.none.fingerprint);
      // Recorded only: the schema agent's call is the same call with or without effort.
      expect(a['schema-max'].effort).toBe('max');
      expect(a['schema-max'].fingerprint).toBe(a['schema-none'].fingerprint);
    } finally {
      await h.close();
    }
  });
});
