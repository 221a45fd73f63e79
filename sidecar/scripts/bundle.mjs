#!/usr/bin/env node
// Bundles the code that runs outside Node — the core prelude and the verification helpers
// (inside each run's isolated-vm isolate) and the live page's script and styles (in the
// browser) — from their TypeScript sources into dist/bundles/, with source maps. The sidecar
// reads these files at run time (src/bundle-text.ts). Run by `npm run build` before tsc, and
// by the Jest global setup, so tests always run the current sources.
//
// Each bundle is unminified: V8 reports lines of the bundle, and the bundle reads like the
// sources (the .map beside it leads back to them).
import { build } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sidecar = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = path.join(sidecar, 'dist', 'bundles');

/**
 * The bundles. `dw-prelude.js` is one expression, compiled as a script: its value is the core
 * prelude's `install` function. `dw-verification.js` is the body of a prelude module, run with
 * `__emit` in scope. The page is a classic script for a `defer` tag.
 */
const BUNDLES = [
  {
    entry: 'src/sandbox/isolate/entry.ts',
    out: 'dw-prelude.js',
    platform: 'neutral',
    target: 'es2023',
    globalName: '__dwPrelude',
    banner: '(function () {',
    footer: 'return __dwPrelude.install;\n})()',
  },
  { entry: 'src/verification/isolate/entry.ts', out: 'dw-verification.js', platform: 'neutral', target: 'es2023' },
  { entry: 'src/ui/page/main.ts', out: 'page.js', platform: 'browser', target: 'es2022' },
  { entry: 'src/ui/page/styles.css', out: 'page.css', platform: 'browser', target: 'chrome110' },
];

/** Writes a file only when its content changed, through a rename, so concurrent builds never see half a file. */
async function writeIfChanged(file, text) {
  const old = await readFile(file, 'utf8').catch(() => null);
  if (old === text) return false;
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return true;
}

/** Builds every bundle into dist/bundles; resolves with the names of the files that changed. */
export async function bundleAll() {
  await mkdir(OUT_DIR, { recursive: true });
  const changed = [];
  for (const b of BUNDLES) {
    const outfile = path.join(OUT_DIR, b.out);
    const result = await build({
      absWorkingDir: sidecar,
      entryPoints: [b.entry],
      outfile,
      bundle: true,
      write: false,
      format: b.out.endsWith('.css') ? undefined : 'iife',
      globalName: b.globalName,
      platform: b.platform,
      target: b.target,
      sourcemap: 'external',
      sourcesContent: false,
      legalComments: 'none',
      charset: 'utf8',
      banner: b.banner ? { js: b.banner } : undefined,
      footer: b.footer ? { js: b.footer } : undefined,
      logLevel: 'warning',
    });
    for (const f of result.outputFiles) {
      if (await writeIfChanged(f.path, f.text)) changed.push(path.relative(sidecar, f.path));
    }
  }
  return changed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  bundleAll().then(
    (changed) => {
      if (changed.length > 0) console.log(`bundled ${changed.join(', ')}`);
    },
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
