import fs from 'node:fs';
import path from 'node:path';
import { LIST_FILES_MAX_ENTRIES, runTool } from '../../src/tools';
import { makeFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
  fx.write('README.md', '# hi');
  fx.write('src/index.ts', '');
  fx.write('src/lib/util.ts', '');
  fx.write('src/lib/util.test.ts', '');
  fx.write('node_modules/dep/index.js', '');
  fx.write('.git/HEAD', '');
});
afterEach(() => fx.cleanup());

describe('list_files', () => {
  it('lists one directory, marking directories with a slash', async () => {
    const out = (await runTool('list_files', {}, fx.ctx())).split('\n');
    expect(out).toEqual(expect.arrayContaining(['README.md', 'src/', 'node_modules/', '.git/']));
    expect(out).not.toContain('src/index.ts');
  });

  it('lists recursively with workspace-relative paths, skipping node_modules and .git', async () => {
    const out = (await runTool('list_files', { recursive: true }, fx.ctx())).split('\n');
    expect(out).toEqual(expect.arrayContaining(['src/index.ts', 'src/lib/', 'src/lib/util.ts', 'src/lib/util.test.ts']));
    expect(out.some((l) => l.startsWith('node_modules/dep'))).toBe(false);
    expect(out.some((l) => l.startsWith('.git/HEAD'))).toBe(false);
  });

  it('filters by a name glob or a path glob', async () => {
    const byName = (await runTool('list_files', { recursive: true, pattern: '*.test.ts' }, fx.ctx())).split('\n');
    expect(byName).toEqual(['src/lib/util.test.ts']);
    const byPath = (await runTool('list_files', { path: 'src', recursive: true, pattern: 'lib/*.ts' }, fx.ctx())).split('\n');
    expect(byPath).toEqual(['src/lib/util.test.ts', 'src/lib/util.ts']);
  });

  it('shows symlinks without following them', async () => {
    fs.symlinkSync(fx.outside, path.join(fx.ws, 'out'));
    const out = (await runTool('list_files', { recursive: true }, fx.ctx())).split('\n');
    expect(out).toContain('out@');
    expect(out.some((l) => l.includes('secret.txt'))).toBe(false);
  });

  it(`stops at ${LIST_FILES_MAX_ENTRIES} entries and says so`, async () => {
    const dir = path.join(fx.ws, 'many');
    fs.mkdirSync(dir);
    for (let i = 0; i < LIST_FILES_MAX_ENTRIES + 50; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), '');
    const out = (await runTool('list_files', { path: 'many' }, fx.ctx())).split('\n');
    expect(out).toHaveLength(LIST_FILES_MAX_ENTRIES + 1);
    expect(out[out.length - 1]).toMatch(/truncated/);
  });

  it('refuses a file as the directory to list', async () => {
    await expect(runTool('list_files', { path: 'README.md' }, fx.ctx())).rejects.toThrow(/not a directory/);
  });
});
