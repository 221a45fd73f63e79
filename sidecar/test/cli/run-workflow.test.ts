import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = path.join(__dirname, '..', '..', 'bin', 'dynamic-workflows.js');

const SAVED = `export const meta = { name: 'count', description: 'Counts the items of args', phases: ['Count'] };
phase('Count');
const notes = await parallel(args.items.map((i) => () => agent('Say one thing about ' + i)));
return { items: args.items.length, notes: notes.filter(Boolean).length };`;

/** `dynamic-workflows run --workflow NAME`: the built CLI, the offline model, a saved workflow in DW_WORKFLOWS_DIR. */
describe('dynamic-workflows run --workflow', () => {
  let dir: string;
  beforeAll(() => {
    if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js'))) throw new Error('build the sidecar first');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-run-workflow-'));
    fs.mkdirSync(path.join(dir, 'library'));
    fs.writeFileSync(path.join(dir, 'library', 'count.js'), SAVED);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'run', ...args], {
      encoding: 'utf8',
      cwd: dir,
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        DW_DATA_DIR: path.join(dir, 'data'),
        DW_WORKFLOWS_DIR: 'library',
        DW_PROVIDER: 'offline',
        DW_LOG_LEVEL: 'silent',
      },
    });
  const record = (stdout: string): Record<string, unknown> =>
    JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

  test('runs the saved workflow by name without a task: exit 0, the converged record names the workflow', () => {
    const r = cli('--workflow', 'count', '--input', '{"items":["a","b"]}');
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(record(r.stdout)).toMatchObject({
      status: 'converged',
      workflow: 'count',
      task: 'count: Counts the items of args',
      result: { items: 2, notes: 2 },
    });
  });

  test('an unknown workflow exits 1 with workflow_not_found; no task and no workflow, or both --script and --workflow, exit 2', () => {
    const missing = cli('--workflow', 'nope');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('workflow_not_found: No saved workflow named "nope"');
    expect(record(missing.stdout)).toMatchObject({ status: 'failed', error: { code: 'workflow_not_found' } });
    expect(cli().status).toBe(2);
    const both = cli('--workflow', 'count', '--script', path.join(dir, 'library', 'count.js'));
    expect([both.status, both.stderr]).toEqual([2, 'Give --script or --workflow, not both\n']);
  });
});
