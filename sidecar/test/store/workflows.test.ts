import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkScript } from '../../src/sandbox/check';
import { WorkflowLibrary, sha256 } from '../../src/store/workflows';

const SCRIPT = `export const meta = { name: 'audit', description: 'Audit a file', whenToUse: 'before a release', phases: [{ title: 'Scan' }, 'Verify'] };
return await agent('scan ' + args.file);`;

describe('WorkflowLibrary (saved workflows in a folder)', () => {
  let root: string;
  let dir: string;
  let lib: WorkflowLibrary;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dw-workflows-'));
    dir = path.join(root, 'workflows');
    lib = new WorkflowLibrary({ dir, check: (s) => checkScript(s), maxChars: 10_000 });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a saved script is listed with the meta read from it and read back as written', () => {
    const { workflow, created } = lib.save('audit', SCRIPT);
    expect(created).toBe(true);
    expect(workflow).toMatchObject({
      name: 'audit',
      description: 'Audit a file',
      whenToUse: 'before a release',
      phases: ['Scan', 'Verify'],
      sha256: sha256(SCRIPT),
      chars: SCRIPT.length,
      valid: true,
      script: SCRIPT,
    });
    expect(lib.list().map((w) => w.name)).toEqual(['audit']);
    expect(lib.list()[0]).not.toHaveProperty('script');
    expect(lib.get('audit').script).toBe(SCRIPT);
  });

  test('the folder is created owner-only, the file 0600, and no temporary file is left behind', () => {
    lib.save('audit', SCRIPT);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'audit.js')).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['audit.js']);
  });

  test('an existing name is workflow_exists unless replace is given; the first script stays until then', () => {
    lib.save('audit', SCRIPT);
    expect(() => lib.save('audit', 'return 2;')).toThrow(expect.objectContaining({ code: 'workflow_exists', status: 409 }));
    expect(lib.get('audit').script).toBe(SCRIPT);
    const replaced = lib.save('audit', 'return 2;', { replace: true });
    expect(replaced.created).toBe(false);
    expect(lib.get('audit').script).toBe('return 2;');
    expect(fs.readdirSync(dir)).toEqual(['audit.js']);
  });

  test('a script that fails the run check is refused with script_invalid and nothing is written', () => {
    expect(() => lib.save('bad', 'return fetch("https://example.com");')).toThrow(expect.objectContaining({ code: 'script_invalid' }));
    expect(() => lib.save('bad', 'Date.now(; ')).toThrow(expect.objectContaining({ code: 'script_invalid' }));
    expect(lib.list()).toEqual([]);
  });

  test('a script over the limit is script_too_large, written or found on disk', () => {
    expect(() => lib.save('big', `return ${JSON.stringify('x'.repeat(10_001))};`)).toThrow(
      expect.objectContaining({ code: 'script_too_large' }),
    );
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'big.js'), `return ${JSON.stringify('x'.repeat(10_001))};`);
    expect(() => lib.get('big')).toThrow(expect.objectContaining({ code: 'script_too_large' }));
  });

  test.each(['', '.hidden', '../escape', 'a/b', 'name.js', 'with space', 'é', 'x'.repeat(65), '-leading'])(
    'the name %j is invalid_workflow_name',
    (name) => {
      expect(() => lib.save(name, SCRIPT)).toThrow(expect.objectContaining({ code: 'invalid_workflow_name', status: 400 }));
      expect(() => lib.get(name)).toThrow(expect.objectContaining({ code: 'invalid_workflow_name' }));
    },
  );

  test('get and delete of an unknown name are workflow_not_found', () => {
    expect(() => lib.get('nope')).toThrow(expect.objectContaining({ code: 'workflow_not_found', status: 404 }));
    expect(() => lib.delete('nope')).toThrow(expect.objectContaining({ code: 'workflow_not_found' }));
    lib.save('audit', SCRIPT);
    lib.delete('audit');
    expect(lib.list()).toEqual([]);
  });

  test('a file put in the folder by hand that fails the check is listed as invalid with the reason', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'broken.js'), 'return process.env;');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a workflow');
    const [broken] = lib.list();
    expect(lib.list()).toHaveLength(1);
    expect(broken).toMatchObject({ name: 'broken', valid: false, error: { code: 'script_invalid' } });
  });

  test('resolve: a path inside the folder is read; outside it, through .. or a symlink, is workflow_path_denied', () => {
    fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'helper.js'), 'return 1;');
    fs.writeFileSync(path.join(root, 'outside.js'), 'return 2;');
    fs.symlinkSync(path.join(root, 'outside.js'), path.join(dir, 'lib', 'link.js'));
    fs.symlinkSync(path.join(root, 'outside.js'), path.join(dir, 'linked.js'));
    expect(lib.resolve('lib/helper.js')).toEqual({ script: 'return 1;', sha256: sha256('return 1;'), relativePath: 'lib/helper.js' });
    expect(lib.resolve(path.join(dir, 'lib', 'helper.js')).relativePath).toBe('lib/helper.js');
    for (const p of ['../outside.js', path.join(root, 'outside.js'), 'lib/link.js', '/etc/passwd', 'lib', '.'])
      expect(() => lib.resolve(p)).toThrow(expect.objectContaining({ code: 'workflow_path_denied', status: 403 }));
    expect(() => lib.resolve('lib/missing.js')).toThrow(expect.objectContaining({ code: 'workflow_not_found' }));
    expect(() => lib.resolve('a\0b')).toThrow(expect.objectContaining({ code: 'workflow_path_denied' }));
    // A saved name whose file is a symlink out of the folder is no saved workflow.
    expect(() => lib.get('linked')).toThrow(expect.objectContaining({ code: 'workflow_not_found' }));
  });
});
