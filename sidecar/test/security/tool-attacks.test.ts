import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expectPrompt, watchHealth, type HealthWatch } from '../support/health-watch';
import { SidecarProcess } from '../support/sidecar-process';

/**
 * Attacks through tool calls and schemas on the real sidecar (built, as a child process,
 * the offline model choosing the tool calls through `[offline:tool=…]`): each ends with a
 * named error or a bounded answer, /healthz answers throughout (the sidecar's event loop never held
 * past 100 ms), and a run
 * beside the attack loses nothing.
 */
type Run = { id: string; status: string; error: { code: string; message: string } | null; result: unknown };

const WS = 'ws';

async function start(sc: SidecarProcess, body: Record<string, unknown>): Promise<Run> {
  const r = await sc.request<Run>('POST', '/v1/runs', body);
  if (r.status !== 201 && r.status !== 202) throw new Error(`POST /v1/runs: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The errors of the run's failed agents, read from the sidecar's own store. */
function agentErrors(sc: SidecarProcess, id: string): { code: string; message: string }[] {
  const db = new DatabaseSync(path.join(sc.dataDir, 'sidecar.db'), { readOnly: true });
  try {
    const rows = db.prepare('SELECT data FROM events WHERE run_id = ? ORDER BY id').all(id) as unknown as { data: string }[];
    return rows
      .map((r) => JSON.parse(r.data) as { type: string; error?: { code: string; message: string } })
      .filter((e) => e.type === 'agent.failed' && e.error)
      .map((e) => e.error!);
  } finally {
    db.close();
  }
}

/** An agent that makes one tool call chosen by the test, returning the agent's text. */
const toolScript = (tool: string, input: Record<string, unknown>): string =>
  `return await agent(${JSON.stringify(`Use the tool. [offline:tool=${tool} ${JSON.stringify(input)}]`)}, { tools: [${JSON.stringify(tool)}] });`;

/** Runs the attack beside a bystander run, watching /healthz; returns the attack's finished run. */
async function attack(sc: SidecarProcess, body: Record<string, unknown>): Promise<Run> {
  const watch: HealthWatch = await watchHealth(sc.url, 20, { token: sc.token });
  try {
    const bystander = await start(sc, {
      task: 'bystander',
      script: "const a = await agent('Say hello [offline:text=bystander ok]'); return { a, n: 42 };",
    });
    const run = await start(sc, body);
    const done = (await sc.waitForStatus(run.id, ['converged', 'failed', 'cancelled'])) as unknown as Run;
    const other = (await sc.waitForStatus(bystander.id, ['converged', 'failed', 'cancelled'])) as unknown as Run;
    expect(other).toMatchObject({ status: 'converged', result: { a: 'bystander ok', n: 42 } });
    return done;
  } finally {
    expectPrompt(await watch.stop());
  }
}

describe('tool calls, globs and schemas cannot stop or fool the sidecar', () => {
  const sc = new SidecarProcess({ DW_ALLOWED_HOSTS: 'localhost', DW_LOG_LEVEL: 'warn' }, undefined, { externalModel: true });
  let wsDir = '';
  beforeAll(async () => {
    wsDir = path.join(sc.dataDir, 'workspaces', WS);
    fs.mkdirSync(wsDir, { recursive: true });
    fs.writeFileSync(path.join(wsDir, `${'a'.repeat(200)}.txt`), 'x\n');
    fs.writeFileSync(path.join(wsDir, 'notes.md'), 'hello\n');
    // One 64 MB line: readline held it whole; the cap keeps a few hundred KB of it.
    const fd = fs.openSync(path.join(wsDir, 'big.txt'), 'w');
    const block = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 64; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, '\nsecond line\n');
    fs.closeSync(fd);
    await sc.start();
    await sc.warmUp();
  }, 120_000);
  afterAll(() => sc.close());

  const options = (tool: string) => ({ workspace: WS, tools: [tool] });

  it('read_file on a file with a 64 MB line answers with the cut line and a note', async () => {
    const run = await attack(sc, { task: 'read', script: toolScript('read_file', { path: 'big.txt' }), options: options('read_file') });
    expect(run.status).toBe('converged');
    expect(String(run.result)).toMatch(/I called read_file on big\.txt; it returned 2 lines, beginning:\n"a{20,}/);
    const logs = sc.logs;
    expect(logs).not.toMatch(/RangeError|Invalid string length/);
  }, 120_000);

  it('a glob that froze path.matchesGlob is matched in linear time', async () => {
    const run = await attack(sc, {
      task: 'glob',
      script: toolScript('list_files', { pattern: `${'*?'.repeat(9)}#` }),
      options: options('list_files'),
    });
    expect(run.status).toBe('converged');
    expect(String(run.result)).toContain('I called list_files');
    expect(String(run.result)).toContain('(no entries match');
  }, 60_000);

  it('a glob with too many wildcards is a glob_too_complex tool error the agent sees', async () => {
    const run = await attack(sc, {
      task: 'grep',
      script: toolScript('grep', { pattern: 'x', glob: `${'*?'.repeat(40)}#` }),
      options: options('grep'),
    });
    expect(run.status).toBe('converged');
    expect(String(run.result)).toMatch(/Calling grep on x failed: "glob_too_complex: The glob .* has 80 wildcards; at most 32/);
  }, 60_000);

  it('a schema pattern that backtracks is checked in linear time and fails as schema_invalid', async () => {
    const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a*)*b$' } }, required: ['s'] };
    const prompt = `Answer. [offline:json=${JSON.stringify({ s: `${'a'.repeat(25)}!` })}]`;
    const script = `return await agent(${JSON.stringify(prompt)}, { schema: ${JSON.stringify(schema)} });`;
    const run = await attack(sc, { task: 'schema', script });
    expect(run).toMatchObject({ status: 'converged', result: null });
    expect(agentErrors(sc, run.id)).toEqual([{ code: 'schema_invalid', message: expect.stringContaining('must match pattern') }]);
  }, 60_000);

  it('a schema pattern RE2 cannot run is a clear schema error', async () => {
    const script = `return await agent('Answer.', { schema: { type: 'string', pattern: '(a)\\\\1' } });`;
    const run = await attack(sc, { task: 'backref', script });
    expect(run).toMatchObject({ status: 'converged', result: null });
    const [err] = agentErrors(sc, run.id);
    expect(err?.message).toMatch(/schema is not a valid JSON Schema: pattern "\(a\)\\\\1" is not supported/);
  }, 60_000);

  it('http_get with localhost allowed cannot reach the sidecar’s own API', async () => {
    const run = await attack(sc, {
      task: 'self',
      script: toolScript('http_get', { url: `http://localhost:${sc.port}/v1/runs` }),
      options: { tools: ['http_get'] },
    });
    expect(run.status).toBe('converged');
    expect(String(run.result)).toMatch(
      /Calling http_get on http:\/\/localhost:\d+\/v1\/runs failed: "host_not_allowed: localhost:\d+ is the sidecar's own API/,
    );
  }, 60_000);

  it('http_get to a name that resolves to a non-public address it was not allowed by IP is refused', async () => {
    const run = await attack(sc, {
      task: 'meta',
      script: toolScript('http_get', { url: 'http://127.0.0.1:9/' }),
      options: { tools: ['http_get'] },
    });
    expect(run.status).toBe('converged');
    expect(String(run.result)).toMatch(/failed: "host_not_allowed: Host 127\.0\.0\.1 is not in this run's allowed hosts/);
  }, 60_000);
});
