/**
 * The records the API serves match the response schemas /openapi.json documents: real records
 * from the real engine (offline model, real git workspace) validate, and every field they carry is
 * documented, so a field added to a record without its schema fails here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { startHarness, type Harness as EngineHarness } from '../support/engine-harness';
import { makeRepo } from '../support/git-repo';
import { AUTH, makeHarness } from './harness';

type Schema = { properties?: Record<string, unknown>; $ref?: string; anyOf?: Schema[] };
let schemas: Record<string, Schema>;
let engine: EngineHarness;
let roots: string;

beforeAll(async () => {
  const http = makeHarness();
  const res = await http.app.inject({ method: 'GET', url: '/openapi.json', headers: AUTH });
  schemas = res.json<{ components: { schemas: Record<string, Schema> } }>().components.schemas;
  await http.close();
  roots = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-record-schemas-')));
  makeRepo(path.join(roots, 'repo'), { 'README.md': '# repo\n' });
  engine = await startHarness({ env: { DW_WORKSPACE_ROOTS: roots, DW_WRITABLE_WORKSPACES: 'repo' } });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(roots, { recursive: true, force: true });
});

/** A validator for one component, its $refs resolved against all of them (formats are documentation only). */
function validator(name: string): (value: unknown) => string | null {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile({ components: { schemas }, $ref: `#/components/schemas/${name}` });
  return (value) => (validate(value) ? null : ajv.errorsText(validate.errors));
}

/** Keys of `value` its schema does not list (a nullable schema's object branch, $refs followed). */
function undocumented(value: Record<string, unknown>, name: string): string[] {
  const listed = Object.keys(schemas[name].properties ?? {});
  return Object.keys(value).filter((k) => !listed.includes(k));
}

test('run and agent records of a run using effort, agentType, isolation and object phases match their documented schemas', async () => {
  const done = await engine.run({
    task: 'schemas',
    input: { file: 'NOTES.md' },
    options: { workspace: 'repo', tools: ['read_file', 'write_file', 'list_files'] },
    script: `export const meta = {
      name: 'schemas', description: 'every record field', whenToUse: 'in tests',
      phases: [{ title: 'Work', detail: 'agents of every kind', model: 'haiku' }],
    };
    phase('Work');
    return await parallel([
      () => agent('Write notes to ' + args.file, { label: 'writer', isolation: 'worktree', effort: 'low' }),
      () => agent('Answer briefly', { label: 'typed', agentType: 'general-purpose', effort: 'high' }),
      () => agent('Review it', { label: 'unknown type', agentType: 'reviewer' }),
      () => agent('Plain answer'),
    ]);`,
  });
  expect(done.status).toBe('converged');
  const run = JSON.parse(JSON.stringify(await engine.engine.get(done.id))) as Record<string, unknown>;
  const agents = JSON.parse(JSON.stringify((await engine.engine.agents(done.id, { limit: 100 })).agents)) as Record<string, unknown>[];

  expect(validator('RunRecord')(run)).toBeNull();
  expect(undocumented(run, 'RunRecord')).toEqual([]);
  const meta = run.meta as Record<string, unknown>;
  expect(meta.phaseDetails).toEqual([{ title: 'Work', detail: 'agents of every kind', model: 'haiku' }]);
  expect(undocumented(meta, 'ScriptMeta')).toEqual([]);

  const checkAgent = validator('AgentRecord');
  for (const a of agents) {
    expect([a.label, checkAgent(a)]).toEqual([a.label, null]);
    expect(undocumented(a, 'AgentRecord')).toEqual([]);
  }
  const writer = agents.find((a) => a.label === 'writer') as Record<string, unknown>;
  expect(writer).toMatchObject({ effort: 'low', isolation: { kind: 'worktree', changed: true } });
  expect(undocumented(writer.isolation as Record<string, unknown>, 'AgentIsolation')).toEqual([]);
  expect(agents.find((a) => a.label === 'typed')).toMatchObject({ agentType: 'general-purpose', effort: 'high' });
  expect(agents.find((a) => a.label === 'unknown type')).toMatchObject({ status: 'failed', agentType: 'reviewer' });
});

test('the schemas refuse what the records never hold, so the check above can fail', () => {
  const checkAgent = validator('AgentRecord');
  const base = { runId: 'r', seq: 1, status: 'done' };
  expect(checkAgent(base)).toBeNull();
  expect(checkAgent({ ...base, effort: 'extreme' })).toMatch(/effort/);
  expect(checkAgent({ ...base, isolation: { kind: 'container', changed: true, path: null, branch: null, commit: null } })).toMatch(
    /isolation/,
  );
  expect(checkAgent({ ...base, isolation: { kind: 'worktree' } })).toMatch(/isolation/);
  expect(
    validator('RunRecord')({
      id: 'r',
      status: 'converged',
      counts: {},
      usage: {},
      createdAt: 'x',
      updatedAt: 'y',
      meta: { phaseDetails: [{ detail: 'no title' }] },
    }),
  ).toMatch(/title/);
});
