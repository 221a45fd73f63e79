import fs from 'node:fs';
import path from 'node:path';
import { WorkspaceError } from '../../src/errors/errors';
import { resolveWorkspace, runTool } from '../../src/tools';
import { makeFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
});
afterEach(() => fx.cleanup());

describe('resolveWorkspace', () => {
  it('resolves a name under a root to its real directory', () => {
    expect(resolveWorkspace([fx.root], 'ws')).toBe(fx.ws);
    fs.mkdirSync(path.join(fx.root, 'team', 'repo'), { recursive: true });
    expect(resolveWorkspace([fx.root], 'team/repo')).toBe(path.join(fx.root, 'team', 'repo'));
  });

  it('tries the roots in order', () => {
    const other = path.join(fx.base, 'other-root');
    fs.mkdirSync(path.join(other, 'only-here'), { recursive: true });
    expect(resolveWorkspace([fx.root, other], 'only-here')).toBe(path.join(other, 'only-here'));
    expect(resolveWorkspace([path.join(fx.base, 'missing-root'), fx.root], 'ws')).toBe(fx.ws);
  });

  it.each([
    ['../outside', /\.\./],
    ['ws/../../outside', /\.\./],
    ['.', /root itself/],
    ['', /non-empty/],
  ])('refuses %j', (name, why) => {
    expect(() => resolveWorkspace([fx.root], name)).toThrow(WorkspaceError);
    expect(() => resolveWorkspace([fx.root], name)).toThrow(why);
  });

  it('refuses absolute paths, even ones inside a root', () => {
    expect(() => resolveWorkspace([fx.root], fx.ws)).toThrow(/absolute/);
  });

  it('refuses a symlink that points out of the root', () => {
    fs.symlinkSync(fx.outside, path.join(fx.root, 'escape'));
    expect(() => resolveWorkspace([fx.root], 'escape')).toThrow(WorkspaceError);
    expect(() => resolveWorkspace([fx.root], 'escape')).toThrow(/outside/);
  });

  it('accepts a symlink that stays inside the root', () => {
    fs.symlinkSync(fx.ws, path.join(fx.root, 'alias'));
    expect(resolveWorkspace([fx.root], 'alias')).toBe(fx.ws);
  });

  it('refuses a missing directory and a file', () => {
    expect(() => resolveWorkspace([fx.root], 'nope')).toThrow(/does not exist/);
    fs.writeFileSync(path.join(fx.root, 'file.txt'), 'x');
    expect(() => resolveWorkspace([fx.root], 'file.txt')).toThrow(/not a directory/);
  });

  it('refuses when no roots are configured', () => {
    expect(() => resolveWorkspace([], 'ws')).toThrow(/DW_WORKSPACE_ROOTS/);
  });
});

describe('tool path confinement', () => {
  it('refuses ../ escapes', async () => {
    await expect(runTool('read_file', { path: '../../outside/secret.txt' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('list_files', { path: '..' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('grep', { pattern: 'SECRET', path: '../../outside' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
  });

  it('refuses absolute paths', async () => {
    const abs = path.join(fx.outside, 'secret.txt');
    await expect(runTool('read_file', { path: abs }, fx.ctx())).rejects.toThrow(/Absolute paths are refused/);
    await expect(runTool('read_file', { path: path.join(fx.ws, 'x') }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
  });

  it('refuses symlinks to files and directories outside the workspace', async () => {
    fs.symlinkSync(path.join(fx.outside, 'secret.txt'), path.join(fx.ws, 'link.txt'));
    fs.symlinkSync(fx.outside, path.join(fx.ws, 'linkdir'));
    await expect(runTool('read_file', { path: 'link.txt' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('read_file', { path: 'linkdir/secret.txt' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
    await expect(runTool('list_files', { path: 'linkdir' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
  });

  it('follows symlinks that stay inside the workspace', async () => {
    fx.write('real/data.txt', 'inside data\n');
    fs.symlinkSync(path.join(fx.ws, 'real', 'data.txt'), path.join(fx.ws, 'alias.txt'));
    fs.symlinkSync(path.join(fx.ws, 'real'), path.join(fx.ws, 'aliasdir'));
    await expect(runTool('read_file', { path: 'alias.txt' }, fx.ctx())).resolves.toBe('inside data');
    await expect(runTool('read_file', { path: 'aliasdir/data.txt' }, fx.ctx())).resolves.toBe('inside data');
  });

  it('refuses a sibling directory that merely shares the workspace prefix', async () => {
    fs.mkdirSync(`${fx.ws}-evil`);
    fs.writeFileSync(path.join(`${fx.ws}-evil`, 'x.txt'), 'evil');
    fs.symlinkSync(`${fx.ws}-evil`, path.join(fx.ws, 'sib'));
    await expect(runTool('read_file', { path: 'sib/x.txt' }, fx.ctx())).rejects.toBeInstanceOf(WorkspaceError);
  });

  it('refuses file tools when the run has no workspace', async () => {
    await expect(runTool('list_files', {}, fx.ctx({ workspaceDir: null }))).rejects.toThrow(/no workspace/);
  });
});
