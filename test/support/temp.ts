import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** test-artifacts/ at the repository root (ignored by git): logs and screenshots a failed CI run leaves behind. */
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts');

const created: string[] = [];

/** A fresh temporary folder, removed by removeTempDirs(). */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dw-e2e-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every folder makeTempDir() made in this process (keeps them when DW_KEEP_TEMP=1, to look into). */
export function removeTempDirs(): void {
  if (process.env.DW_KEEP_TEMP === '1') return;
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A file under test-artifacts/<sub>/ (the folder is created; an earlier file of that name is removed). */
export function artifactPath(sub: string, name: string): string {
  const dir = path.join(ARTIFACTS_DIR, sub);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  return file;
}

/** Empties test-artifacts/<sub>/, so what a run leaves there is all from that run. */
export function resetArtifacts(sub: string): void {
  fs.rmSync(path.join(ARTIFACTS_DIR, sub), { recursive: true, force: true });
}
