import fs from 'node:fs';
import path from 'node:path';
import { RUN_LIMITS, SIDECAR_LIMITS } from '../../src/core/limits';

// The README's configuration table is what an operator reads: every variable the sidecar reads
// must be in it, so a new knob cannot ship undocumented.
const root = path.join(__dirname, '..', '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the README documents every environment variable', () => {
  it('names each limit of the limits table', () => {
    const vars = [...Object.values(RUN_LIMITS), ...Object.values(SIDECAR_LIMITS)].map((l) => l.env);
    expect(vars.length).toBeGreaterThan(15);
    expect(vars.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });

  it('names each DW_ variable the sidecar reads', () => {
    const found = new Set<string>();
    for (const file of sourceFiles(path.join(root, 'sidecar', 'src'))) {
      // A name followed by `${` is the start of a composed name (DW_MAX_EVENT${…}), not a variable.
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/\b(DW_[A-Z0-9_]*[A-Z0-9])\b(?!\$\{)/g)) found.add(m[1]!);
    }
    expect(found.size).toBeGreaterThan(30);
    expect([...found].filter((v) => !readme.includes(`\`${v}\``)).sort()).toEqual([]);
  });
});
