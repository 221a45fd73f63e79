import fs from 'node:fs';
import path from 'node:path';
import { WorkspaceError } from '../../src/errors/errors';
import { runTool, WRITE_FILE_MAX_BYTES } from '../../src/tools';
import { makeFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
});
afterEach(() => fx.cleanup());

describe('write_file', () => {
  it('is refused when the workspace is not writable', async () => {
    await expect(runTool('write_file', { path: 'a.txt', content: 'x' }, fx.ctx({ allowWrite: false }))).rejects.toBeInstanceOf(
      WorkspaceError,
    );
    expect(fs.existsSync(path.join(fx.ws, 'a.txt'))).toBe(false);
  });

  it('creates files and parent directories when allowed', async () => {
    const out = await runTool('write_file', { path: 'out/report/summary.md', content: 'héllo\n' }, fx.ctx({ allowWrite: true }));
    expect(out).toBe('Wrote 7 bytes to out/report/summary.md');
    expect(fs.readFileSync(path.join(fx.ws, 'out/report/summary.md'), 'utf8')).toBe('héllo\n');
  });

  it('overwrites an existing file', async () => {
    fx.write('a.txt', 'old');
    await runTool('write_file', { path: 'a.txt', content: 'new' }, fx.ctx({ allowWrite: true }));
    expect(fs.readFileSync(path.join(fx.ws, 'a.txt'), 'utf8')).toBe('new');
  });

  it('refuses escapes, absolute paths and symlinked directories leading out', async () => {
    const ctx = fx.ctx({ allowWrite: true });
    fs.symlinkSync(fx.outside, path.join(fx.ws, 'out'));
    await expect(runTool('write_file', { path: '../x.txt', content: 'x' }, ctx)).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('write_file', { path: path.join(fx.outside, 'x.txt'), content: 'x' }, ctx)).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('write_file', { path: 'out/new/x.txt', content: 'x' }, ctx)).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('write_file', { path: 'out/secret.txt', content: 'pwned' }, ctx)).rejects.toBeInstanceOf(WorkspaceError);
    expect(fs.readFileSync(path.join(fx.outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET\n');
    expect(fs.readdirSync(fx.outside)).toEqual(['secret.txt']);
  });

  it('refuses to write through a dangling symlink', async () => {
    const target = path.join(fx.outside, 'created-by-tool.txt');
    fs.symlinkSync(target, path.join(fx.ws, 'dangling.txt'));
    await expect(runTool('write_file', { path: 'dangling.txt', content: 'x' }, fx.ctx({ allowWrite: true }))).rejects.toBeInstanceOf(
      WorkspaceError,
    );
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses content over the size limit', async () => {
    const content = 'z'.repeat(WRITE_FILE_MAX_BYTES + 1);
    await expect(runTool('write_file', { path: 'big.txt', content }, fx.ctx({ allowWrite: true }))).rejects.toThrow(/at most/);
  });

  it('refuses paths inside .git, as given or through a symlink, so no agent writes hooks or git config', async () => {
    const ctx = fx.ctx({ allowWrite: true });
    fs.mkdirSync(path.join(fx.ws, '.git'));
    fs.symlinkSync('.git', path.join(fx.ws, 'meta'));
    for (const p of ['.git/config', '.git', 'sub/.GIT/hooks/pre-commit', 'meta/config']) {
      await expect(runTool('write_file', { path: p, content: 'x' }, ctx)).rejects.toThrow(/refused inside \.git/);
    }
    expect(fs.readdirSync(path.join(fx.ws, '.git'))).toEqual([]);
    expect(fs.existsSync(path.join(fx.ws, 'sub'))).toBe(false);
  });
});
