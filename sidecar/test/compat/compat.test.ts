/**
 * Claude Code compatibility: scripts written the way Claude Code's Workflow tool documents its
 * script surface (scripts/*.workflow, plain JavaScript, each exercising one point) run unchanged
 * through the real engine, sandbox and store against the offline model, and converge with the
 * shape Claude Code would give them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MODEL_ALIAS_TABLE } from '../../src/core/models';
import { totalTokens } from '../../src/core/usage';
import type { AgentRecord, RunRecord, RunSpec, StoredEvent } from '../../src/core/types';
import { startHarness, type Harness } from '../support/engine-harness';
import { gitIn, makeRepo, worktreesOf } from '../support/git-repo';

const SCRIPTS = path.join(__dirname, 'scripts');
const script = (name: string): string => fs.readFileSync(path.join(SCRIPTS, `${name}.workflow`), 'utf8');

describe('Claude Code workflow scripts run unchanged', () => {
  let h: Harness;
  // Workspaces: `repo`, a git repository the operator made writable; `notes`, a read-only folder.
  let roots: string;
  let repo: string;
  beforeAll(async () => {
    roots = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-compat-ws-')));
    repo = makeRepo(path.join(roots, 'repo'), { 'README.md': '# repo\n', 'CHANGELOG.md': '# Changes\n' });
    fs.mkdirSync(path.join(roots, 'notes'));
    h = await startHarness({ env: { DW_WORKSPACE_ROOTS: roots, DW_WRITABLE_WORKSPACES: 'repo' } });
  });
  afterAll(async () => {
    await h.close();
    fs.rmSync(roots, { recursive: true, force: true });
  });
  beforeEach(() => {
    h.model.reset();
    h.model.setKnobs({ latencyMs: 0 });
  });

  async function run(name: string, spec: Omit<RunSpec, 'task' | 'script'> = {}): Promise<RunRecord> {
    const done = await h.run({ task: `compat ${name}`, script: script(name), ...spec });
    if (done.status !== 'converged') throw new Error(`${name} ended ${done.status}: ${JSON.stringify(done.error)}`);
    return done;
  }
  const agents = async (id: string): Promise<AgentRecord[]> => (await h.engine.agents(id, { limit: 1000 })).agents;
  const events = (id: string): Promise<StoredEvent[]> => h.engine.events(id, 0, 10_000);
  const tokens = (a: AgentRecord): number => totalTokens(a.usage);

  test('there are at least 12 scripts and each one is used below', () => {
    const files = fs.readdirSync(SCRIPTS).filter((f) => f.endsWith('.workflow'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    const source = fs.readFileSync(__filename, 'utf8');
    for (const f of files) expect(source).toContain(`'${f.replace(/\.workflow$/, '')}'`);
  });

  test('object phases with details and models: titles for the page and API, details kept, phase() and opts.phase by title', async () => {
    const done = await run('01-object-phases', { input: { issues: ['login fails', 'add dark mode'] } });
    expect(done.result).toEqual({ labels: 2, drafts: 2, reviewed: true, extra: true });
    expect(done.meta).toMatchObject({
      name: 'triage-issues',
      phases: ['Classify', 'Draft', 'Review'],
      phaseDetails: [
        { title: 'Classify', detail: 'One haiku agent per issue labels it', model: 'haiku' },
        { title: 'Draft', detail: 'Draft a reply to each bug' },
        { title: 'Review' },
      ],
    });
    const byPhase = new Map<string, number>();
    for (const a of await agents(done.id)) byPhase.set(a.phase ?? '', (byPhase.get(a.phase ?? '') ?? 0) + 1);
    // An unknown title is a group of its own.
    expect(Object.fromEntries(byPhase)).toEqual({ Classify: 2, Draft: 2, Review: 1, 'Follow-up': 1 });
    const phaseEvents = (await events(done.id)).flatMap((e) => (e.event.type === 'phase' ? [e.event.name] : []));
    expect(phaseEvents).toEqual(['Classify', 'Draft']);
    const classify = (await agents(done.id)).filter((a) => a.phase === 'Classify');
    expect(classify.map((a) => a.model)).toEqual([MODEL_ALIAS_TABLE.offline.haiku, MODEL_ALIAS_TABLE.offline.haiku]);
  });

  test('comments before meta, and whenToUse reaches the run record', async () => {
    const done = await run('02-when-to-use', { input: { text: 'A long document.' } });
    expect(done.meta).toMatchObject({ whenToUse: 'When the user hands over a long document and wants the gist', phases: ['Summarise'] });
    expect(done.result).toEqual({ summary: expect.any(String) });
  });

  test('a string input is args as given', async () => {
    const done = await run('03-args-string', { input: 'What is a monad?' });
    expect(done.result).toEqual({ kind: 'string', length: 16, answered: true });
  });

  test('an array input is args as given', async () => {
    const done = await run('04-args-array', { input: ['src/a.ts', 'src/b.ts', 'src/c.ts'] });
    expect(done.result).toEqual({ isArray: true, files: ['src/a.ts', 'src/b.ts', 'src/c.ts'], notes: 3 });
  });

  test('an object input is args as given, nested values included', async () => {
    const done = await run('05-args-object', { input: { goal: 'ship v2', steps: 3, audience: { name: 'ops', tags: ['a', 'b'] } } });
    expect(done.result).toEqual({ goal: 'ship v2', steps: 3, nested: ['a', 'b'] });
  });

  test('no input: args is undefined', async () => {
    const done = await run('06-args-absent');
    expect(done.result).toEqual({ argsType: 'undefined', topic: 'the default topic', wrote: true });
    const given = await run('06-args-absent', { input: { topic: 'tea' } });
    expect(given.result).toMatchObject({ argsType: 'object', topic: 'tea' });
  });

  test('budget.total is a number of tokens: Math.floor(budget.total / n) sizes a fan-out', async () => {
    const done = await run('07-budget-floor', { options: { limits: { maxTokens: 9_000 } } });
    expect(done.result).toEqual({ total: 9_000, n: 4, got: 4, remainingIsNumber: true });
    expect(done.counts.total).toBe(4);
  });

  test('while (budget.remaining() > n) ends once the agents have spent the budget', async () => {
    const maxTokens = 5_000;
    const done = await run('08-budget-while', { options: { limits: { maxTokens } } });
    const r = done.result as { rounds: number; remaining: number; spent: number; total: number };
    expect(r.total).toBe(maxTokens);
    expect(r.rounds).toBeGreaterThan(1);
    expect(r.rounds).toBeLessThan(50);
    expect(r.remaining).toBeLessThanOrEqual(2000);
    expect(r.remaining).toBe(Math.max(0, maxTokens - r.spent));
    // spent() is the run's tokens: every agent's input, output, cache reads and cache writes.
    expect(r.spent).toBe((await agents(done.id)).reduce((n, a) => n + tokens(a), 0));
  });

  test('spent() deltas measure one step; USD is under budget.usd', async () => {
    const done = await run('09-spent-delta', { options: { limits: { maxUsd: 3 } } });
    const r = done.result as { before: number; delta: number; usdPositive: boolean; usdTotal: number; usdRemaining: number };
    const [measured] = await agents(done.id);
    expect(r.before).toBe(0);
    expect(r.delta).toBe(tokens(measured));
    expect(r.delta).toBeGreaterThan(0);
    expect(r.usdPositive).toBe(true);
    expect(r.usdTotal).toBe(3);
    expect(r.usdRemaining).toBeCloseTo(3 - measured.usage.usd, 10);
  });

  test('options set to undefined are ignored; spreads work; model aliases map to the provider table', async () => {
    const cheap = await run('10-options-spread', { input: { cheap: true } });
    expect(cheap.result).toEqual({ a: 'string', b: 'string', c: 'string' });
    expect((await agents(cheap.id)).map((a) => [a.label, a.model, a.effort])).toEqual([
      ['base', MODEL_ALIAS_TABLE.offline.haiku, null],
      ['strong', MODEL_ALIAS_TABLE.offline.opus, null],
      ['sonnet', MODEL_ALIAS_TABLE.offline.sonnet, null],
    ]);
    const strong = await run('10-options-spread', { input: { cheap: false } });
    expect((await agents(strong.id)).map((a) => [a.label, a.model, a.effort])).toEqual([
      ['base', (await h.engine.agents(strong.id, {})).agents[0].model, 'high'],
      ['strong', MODEL_ALIAS_TABLE.offline.opus, 'high'],
      ['sonnet', MODEL_ALIAS_TABLE.offline.sonnet, 'high'],
    ]);
    expect((await agents(strong.id))[0].model).toBe('offline-claude');
  });

  test('effort: every level is accepted and recorded on the agent; an unknown level is a TypeError the script can catch', async () => {
    const done = await run('11-effort');
    const r = done.result as { answered: number; refused: string };
    expect(r.answered).toBe(4);
    expect(r.refused).toMatch(/opts\.effort must be one of 'low', 'medium', 'high', 'max'/);
    expect((await agents(done.id)).map((a) => [a.label, a.effort])).toEqual([
      ['low', 'low'],
      ['medium', 'medium'],
      ['high', 'high'],
      ['max', 'max'],
    ]);
  });

  test('agentType: general-purpose runs; an undefined type fails that agent with unknown_agent_type and resolves null', async () => {
    const done = await run('12-agent-type');
    expect(done.result).toEqual({ general: 'string', custom: null });
    const [general, custom] = await agents(done.id);
    expect(general).toMatchObject({ status: 'done', agentType: 'general-purpose' });
    expect(custom).toMatchObject({ status: 'failed', agentType: 'code-reviewer', error: { code: 'unknown_agent_type' } });
    expect(custom.error?.message).toMatch(/Unknown agentType "code-reviewer"/);
    const failed = (await events(done.id)).find((e) => e.event.type === 'agent.failed');
    expect(failed?.event).toMatchObject({ label: 'custom', error: { code: 'unknown_agent_type' } });
    expect(h.model.stats().ok).toBe(1);
  });

  test('pipeline stages get (prev, item, index)', async () => {
    const done = await run('13-pipeline-item-index', { input: { topics: ['tides', 'comets', 'moss'] } });
    expect(done.result).toEqual([
      { topic: 'tides', index: 0, facts: 'string' },
      { topic: 'comets', index: 1, facts: 'string' },
      { topic: 'moss', index: 2, facts: 'string' },
    ]);
  });

  test('a stage that throws makes that item null and skips its later stages; the other items go on', async () => {
    const done = await run('14-pipeline-throwing-stage');
    expect(done.result).toEqual({ results: ['string', null, 'string'] });
    expect((await agents(done.id)).map((a) => a.label).sort()).toEqual(['first 0', 'first 2', 'second 0', 'second 2']);
    const logs = (await events(done.id)).flatMap((e) => (e.event.type === 'log' ? [e.event.message] : []));
    expect(logs.some((m) => /pipeline\(\): item 1 failed and became null: Error: cannot process beta/.test(m))).toBe(true);
  });

  test('agent() throws budget_tokens once the total is reached, and the script can catch it', async () => {
    const done = await run('15-budget-exhausted', { options: { limits: { maxTokens: 6_000 } } });
    const r = done.result as { done: number; stopped: string; remaining: number };
    expect(r.stopped).toBe('budget_tokens');
    expect(r.done).toBeGreaterThan(0);
    expect(r.done).toBeLessThan(100);
    expect(r.remaining).toBe(0);
  });

  test('parallel takes thunks, keeps order, and never rejects: a failed agent or a throwing thunk is null', async () => {
    const done = await run('16-parallel-nulls');
    expect(done.result).toEqual(['string', null, null, 'string']);
    const broken = (await agents(done.id)).find((a) => a.label === 'broken');
    expect(broken?.status).toBe('failed');
    expect(broken?.error?.code).toBeTruthy();
  });

  test("isolation: 'worktree' on a git workspace: a writer's change is kept on its branch, an agent that changes nothing leaves no worktree", async () => {
    const done = await run('17-isolation-worktree', {
      input: { files: ['CHANGELOG.md', 'docs/NEWS.md'] },
      options: { workspace: 'repo', tools: ['read_file', 'write_file', 'list_files'] },
    });
    expect(done.result).toEqual({ edits: ['string', 'string'], looked: 'string' });
    const [first, second, look] = await agents(done.id);
    for (const [a, file] of [
      [first, 'CHANGELOG.md'],
      [second, 'docs/NEWS.md'],
    ] as const) {
      const branch = `dw/${done.id}/${a.seq}`;
      expect(a.isolation).toEqual({
        kind: 'worktree',
        changed: true,
        path: path.join(h.dataDir, 'isolation', done.id, String(a.seq)),
        branch,
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      });
      expect(gitIn(repo, 'rev-parse', branch).trim()).toBe(a.isolation?.commit);
      expect(gitIn(repo, 'show', `${branch}:${file}`)).toMatch(/^Written by the offline model for: /);
      // The kept worktree holds the same change, for the user to look at before merging.
      expect(fs.readFileSync(path.join(a.isolation?.path ?? '', file), 'utf8')).toBe(gitIn(repo, 'show', `${branch}:${file}`));
    }
    expect(look).toMatchObject({ status: 'done', isolation: { kind: 'worktree', changed: false, path: null, branch: null } });
    expect(fs.existsSync(path.join(h.dataDir, 'isolation', done.id, String(look.seq)))).toBe(false);
    expect(worktreesOf(repo)).toEqual([repo, first.isolation?.path, second.isolation?.path]);
    // The workspace itself is as it was: on main, clean, the writers' files not in it.
    expect(gitIn(repo, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
    expect(gitIn(repo, 'status', '--porcelain')).toBe('');
    expect(fs.readFileSync(path.join(repo, 'CHANGELOG.md'), 'utf8')).toBe('# Changes\n');
    expect(fs.existsSync(path.join(repo, 'docs'))).toBe(false);
  });

  test("isolation: 'worktree' without a writable workspace: that agent is null with isolation_unavailable, the others run", async () => {
    for (const [options, reason] of [
      [{}, /this run has no workspace/],
      [{ workspace: 'notes', tools: ['read_file' as const] }, /workspace "notes" is read-only .*DW_WRITABLE_WORKSPACES/],
    ] as const) {
      h.model.reset();
      const done = await run('18-isolation-unavailable', { options });
      expect(done.result).toEqual({ isolated: null, plain: 'string' });
      const [isolated, plain] = await agents(done.id);
      expect(isolated).toMatchObject({ status: 'failed', label: 'isolated', error: { code: 'isolation_unavailable' } });
      expect(isolated.error?.message).toMatch(reason);
      expect(plain.status).toBe('done');
      const failed = (await events(done.id)).find((e) => e.event.type === 'agent.failed');
      expect(failed?.event).toMatchObject({ label: 'isolated', error: { code: 'isolation_unavailable' } });
      // Refused before any model call, and nothing was copied.
      expect(h.model.stats().ok).toBe(1);
      expect(fs.existsSync(path.join(h.dataDir, 'isolation', done.id))).toBe(false);
    }
  });

  describe('workflow(): saved workflows nested one level', () => {
    const SAVED = path.join(SCRIPTS, 'saved');
    beforeAll(() => {
      for (const name of ['review-files', 'gives-up', 'calls-another']) {
        h.engine.workflows.save({ name, script: fs.readFileSync(path.join(SAVED, `${name}.workflow`), 'utf8'), replace: true });
      }
      fs.mkdirSync(path.join(h.config.workflowsDir, 'lib'), { recursive: true });
      fs.copyFileSync(path.join(SAVED, 'lib', 'outline.workflow'), path.join(h.config.workflowsDir, 'lib', 'outline.js'));
      // A real script just outside the folder: refused for where it is, not missing.
      fs.writeFileSync(path.join(path.dirname(h.config.workflowsDir), 'outside.js'), 'return 1;');
    });

    test("by name: the child gets its own args, its agents are the run's, and its return value reaches the parent", async () => {
      const done = await run('19-workflow-by-name', { input: { files: ['a.ts', 'b.ts', 'c.ts'] } });
      expect(done.result).toEqual({ reviewed: 3, notes: 3, summary: 'string', parentArgs: 3 });
      expect((await agents(done.id)).map((a) => [a.seq, a.label, a.phase])).toEqual([
        [1, 'review a.ts', 'Review'],
        [2, 'review b.ts', 'Review'],
        [3, 'review c.ts', 'Review'],
        [4, 'summary', 'Summarise'],
      ]);
      expect(done.counts).toMatchObject({ total: 4, done: 4 });
      const logs = (await events(done.id)).flatMap((e) => (e.event.type === 'log' ? [e.event.message] : []));
      expect(logs.some((m) => /^workflow\("review-files"\): review-files \(sha256 [0-9a-f]{12}\)$/.test(m))).toBe(true);
    });

    test('by scriptPath inside the workflows folder, called twice with different args', async () => {
      const done = await run('20-workflow-by-path', { input: { topic: 'tides' } });
      expect(done.result).toEqual({
        first: { topic: 'tides', sections: 2, drafted: true },
        second: { topic: 'a second topic', sections: 1, drafted: true },
        argsUntouched: 'tides',
      });
      expect(done.counts.total).toBe(3);
    });

    test('a missing workflow, a path outside the folder, a child that throws and a second level are errors the parent catches', async () => {
      const done = await run('21-workflow-errors-caught');
      expect(done.result).toEqual({
        missing: 'workflow_not_found',
        outside: 'workflow_path_denied',
        thrown: 'gave up on tides after one step',
        nested: 'workflow_nesting',
        carriedOn: 'string',
      });
      // The child's agent before it threw is the run's, like the parent's own.
      expect((await agents(done.id)).map((a) => a.label)).toEqual(['look', 'after']);
    });

    test('a replay of the parent replays the child from the journal: no model call for its finished agents, even after the saved file changed', async () => {
      const input = { files: ['a.ts', 'b.ts'], marker: '[offline:fail]' };
      const first = await run('22-workflow-replay', { input });
      expect(first.result).toEqual({ reviewed: 2, decided: false });
      const calls = h.model.stats().ok;
      // Edited after the run: a replay must still run what the run ran.
      const edited = fs.readFileSync(path.join(SAVED, 'review-files.workflow'), 'utf8').replace('for bugs', 'for style');
      h.engine.workflows.save({ name: 'review-files', script: edited, replace: true });
      try {
        const decide = (await agents(first.id)).find((a) => a.label === 'decide');
        expect(decide?.status).toBe('failed');
        await h.engine.restartAgent(first.id, decide?.seq ?? -1);
        const replayed = await h.engine.waitFor(first.id);
        expect(replayed.status).toBe('converged');
        expect(replayed.result).toEqual({ reviewed: 2, decided: false });
        // The restarted agent went to the model again (and failed again); the child's two did not.
        expect(h.model.stats().ok).toBe(calls);
        expect((await agents(first.id)).map((a) => [a.label, a.status])).toEqual([
          ['review a.ts', 'done'],
          ['review b.ts', 'done'],
          ['decide', 'failed'],
        ]);
        const logs = (await events(first.id)).flatMap((e) => (e.event.type === 'log' ? [e.event.message] : []));
        expect(logs.filter((m) => m.startsWith('workflow("review-files")')).map((m) => m.endsWith(', from the journal)'))).toEqual([
          false,
          true,
        ]);
      } finally {
        h.engine.workflows.save({
          name: 'review-files',
          script: fs.readFileSync(path.join(SAVED, 'review-files.workflow'), 'utf8'),
          replace: true,
        });
      }
    });
  });
});
