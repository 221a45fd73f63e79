import path from 'node:path';
import { GlobTooComplexError, runTool } from '../../src/tools';
import { compileGlob, GLOB_MAX_WILDCARDS } from '../../src/tools/glob';
import { makeFixture } from './fixture';

describe('compileGlob', () => {
  it.each([
    ['a.ts', '*.ts'],
    ['src/x.ts', 'src/**/*.ts'],
    ['src/a/b/x.ts', 'src/**/*.ts'],
    ['x.ts', '**/x.ts'],
    ['a/b', 'a/**'],
    ['a', 'a/**'],
    ['a.ts', '{a,b}.ts'],
    ['c.ts', '{a,b}.ts'],
    ['a.ts', '*.[tj]s'],
    ['a.cs', '*.[!tj]s'],
    ['a.TS', '*.ts'],
    ['a/b', 'a*b'],
    ['lib/x.test.ts', 'lib/*.test.ts'],
    ['lib/sub/x.ts', 'lib/*.ts'],
    ['docs/readme.md', 'docs/*.{md,txt}'],
    ['x#y', '*#*'],
  ])('%s against %s agrees with path.matchesGlob', (subject, glob) => {
    expect(compileGlob(glob)(subject)).toBe(path.posix.matchesGlob(glob.includes('/') ? subject : path.posix.basename(subject), glob));
  });

  it('matches file names at any depth without a slash, and dotfiles too', () => {
    expect(compileGlob('*.ts')('deep/er/a.ts')).toBe(true);
    expect(compileGlob('*')('.env')).toBe(true);
    expect(compileGlob('a\\?c')('a?c')).toBe(true);
    expect(compileGlob('a\\?c')('abc')).toBe(false);
  });

  it('runs in linear time on the pattern that froze path.matchesGlob', () => {
    const glob = `${'*?'.repeat(9)}#`;
    const subject = 'a'.repeat(10_000);
    const matches = compileGlob(glob);
    expect(matches(subject)).toBe(false);
    expect(matches(`${subject}#`)).toBe(true);
  });

  it(`refuses a glob with more than ${GLOB_MAX_WILDCARDS} wildcards, or deeply nested braces, with glob_too_complex`, () => {
    expect(() => compileGlob('*'.repeat(GLOB_MAX_WILDCARDS))).not.toThrow();
    expect(() => compileGlob('*?'.repeat(GLOB_MAX_WILDCARDS))).toThrow(GlobTooComplexError);
    expect(() => compileGlob('{a,{b,{c,{d,{e,f}}}}}')).toThrow(/nests/);
  });

  it('list_files and grep report the refusal as a tool error the agent sees', async () => {
    const fx = makeFixture();
    try {
      fx.write('a.txt', 'x\n');
      const glob = '*?'.repeat(GLOB_MAX_WILDCARDS);
      await expect(runTool('list_files', { pattern: glob }, fx.ctx())).rejects.toMatchObject({ code: 'glob_too_complex' });
      await expect(runTool('grep', { pattern: 'x', glob }, fx.ctx())).rejects.toMatchObject({ code: 'glob_too_complex' });
    } finally {
      fx.cleanup();
    }
  });
});
