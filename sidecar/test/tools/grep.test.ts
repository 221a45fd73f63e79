import { createGrepTool, GREP_MAX_RESULTS, runTool, ToolFailedError } from '../../src/tools';
import { makeFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
  fx.write('src/auth.ts', 'export function login(user) {\n  return check(user.password);\n}\n');
  fx.write('src/db.ts', 'const password = process.env.DB_PASSWORD;\n');
  fx.write('docs/notes.md', 'password policy: (a+b)\n');
  fx.write('node_modules/x/index.js', 'password\n');
});
afterEach(() => fx.cleanup());

describe('grep', () => {
  it('finds regex matches as path:line:text, skipping node_modules', async () => {
    const out = (await runTool('grep', { pattern: 'pass\\w+' }, fx.ctx())).split('\n');
    expect(out).toEqual(
      expect.arrayContaining([
        'src/auth.ts:2:  return check(user.password);',
        'src/db.ts:1:const password = process.env.DB_PASSWORD;',
        'docs/notes.md:1:password policy: (a+b)',
      ]),
    );
    expect(out.some((l) => l.startsWith('node_modules'))).toBe(false);
  });

  it('searches for an invalid regex literally and says so', async () => {
    const out = await runTool('grep', { pattern: '(a+b' }, fx.ctx());
    expect(out).toBe(
      'docs/notes.md:1:password policy: (a+b)\n[the pattern is not a valid regular expression, so it was searched for literally]',
    );
    const valid = await runTool('grep', { pattern: '(a+b)' }, fx.ctx());
    expect(valid).toBe('No matches in 3 files');
  });

  it('narrows by path and glob', async () => {
    const out = await runTool('grep', { pattern: 'password', path: 'src', glob: '*.ts' }, fx.ctx());
    expect(out.split('\n').every((l) => l.startsWith('src/'))).toBe(true);
    const single = await runTool('grep', { pattern: 'password', path: 'src/db.ts' }, fx.ctx());
    expect(single).toBe('src/db.ts:1:const password = process.env.DB_PASSWORD;');
  });

  it('stops at maxResults and says so', async () => {
    fx.write('many.txt', 'hit\n'.repeat(500));
    const out = (await runTool('grep', { pattern: '^hit$', path: 'many.txt', maxResults: 5 }, fx.ctx())).split('\n');
    expect(out).toHaveLength(6);
    expect(out[5]).toMatch(/stopped at 5 matches/);
    await expect(runTool('grep', { pattern: 'x', maxResults: GREP_MAX_RESULTS + 1 }, fx.ctx())).rejects.toThrow(/maxResults/);
  });

  it('skips binary files', async () => {
    fx.write('blob.bin', Buffer.concat([Buffer.from('password'), Buffer.from([0, 1, 2])]));
    const out = await runTool('grep', { pattern: 'password', glob: '*.bin' }, fx.ctx());
    expect(out).toBe('No matches in 0 files');
  });

  it('stops a catastrophically slow pattern without blocking the event loop', async () => {
    fx.write('redos.txt', `${'a'.repeat(40)}!\n`);
    const tool = createGrepTool({ timeoutMs: 300 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    try {
      const err: unknown = await tool.run({ pattern: '^(a+)+$', path: 'redos.txt' }, fx.ctx()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolFailedError);
      expect((err as Error).message).toMatch(/timed out/);
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ticks).toBeGreaterThan(5);
  });
});
