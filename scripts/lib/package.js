'use strict';
// The node package as a user gets it: `npm pack` of the repository root (dist/ built from
// nodes/ and credentials/), installed into n8n's community-nodes folder the way n8n's own
// docs say to install a community package by hand.
const { execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const PACKAGE_NAME = require(path.join(ROOT, 'package.json')).name;

/**
 * Environment for npm, n8n and the sidecar: the Node running this script first on the PATH.
 * @param {Readonly<Record<string, string>>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
function toolEnv(extra = {}) {
  const bin = path.dirname(process.execPath);
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
  // Jest marks its environment as a test one; npm and n8n must not inherit that.
  delete env.NODE_ENV;
  return env;
}

/** @param {string} dir @param {(file: string) => boolean} [keep] @returns {number} newest mtime (ms) below dir, 0 when empty */
function newestMtime(dir, keep = () => true) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (!keep(file)) continue;
    newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** True when dist/ is missing or older than a source of the node package. */
function nodesBuildIsStale(root = ROOT) {
  const built = newestMtime(path.join(root, 'dist'));
  if (built === 0) return true;
  const sources = Math.max(
    newestMtime(path.join(root, 'nodes')),
    newestMtime(path.join(root, 'credentials')),
    fs.statSync(path.join(root, 'package.json')).mtimeMs,
  );
  return sources > built;
}

/**
 * Builds the node package when its dist/ is stale, then packs it into `outDir`.
 * @param {{ outDir: string, root?: string, build?: boolean }} options
 * @returns {Promise<string>} the tarball's path
 */
async function packNodePackage(options) {
  const root = options.root ?? ROOT;
  if (options.build !== false && nodesBuildIsStale(root)) {
    // Two test files may pack at once: one builds, the other waits and then sees a fresh dist/.
    await withLock(
      path.join(os.tmpdir(), `dw-build-nodes-${crypto.createHash('sha1').update(root).digest('hex').slice(0, 12)}.lock`),
      async () => {
        if (!nodesBuildIsStale(root)) return;
        await run('npm', ['run', 'build:nodes', '--silent'], { cwd: root, env: toolEnv(), maxBuffer: 64 << 20 }).catch((err) => {
          throw new Error(`npm run build:nodes failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
        });
      },
    );
  }
  fs.mkdirSync(options.outDir, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', options.outDir, '--loglevel=error'], {
    cwd: root,
    env: toolEnv(),
    maxBuffer: 64 << 20,
  }).catch((err) => {
    throw new Error(`npm pack failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  const [info] = JSON.parse(stdout);
  const tarball = path.join(options.outDir, info.filename);
  const files = info.files.map((/** @type {{ path: string }} */ f) => f.path);
  if (!files.some((/** @type {string} */ f) => f.startsWith('dist/'))) {
    throw new Error(`${tarball} holds no dist/ files: build the node package first (npm run build:nodes)`);
  }
  return tarball;
}

/**
 * Runs `fn` holding a lock made of a directory (atomic to create); a lock older than
 * `staleMs` is left over from a killed process and is taken over.
 * @template T
 * @param {string} lockDir
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(lockDir, fn, staleMs = 300_000) {
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleMs) fs.rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/** @param {string} file */
function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Installs a packed node package into `<userFolder>/.n8n/nodes`, where n8n loads community
 * packages from (`npm install <package>` in that folder, then start n8n). Flags follow what
 * n8n does when it installs a package itself: no lifecycle scripts, no bin links, and no
 * peer dependencies (n8n-workflow comes from n8n). Skipped when this exact tarball is
 * installed already.
 * @param {string} userFolder
 * @param {string} tarball
 * @returns {Promise<{ installed: boolean, directory: string }>}
 */
async function installNodePackage(userFolder, tarball) {
  const nodesDir = path.join(userFolder, '.n8n', 'nodes');
  const directory = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
  const marker = path.join(nodesDir, `.${PACKAGE_NAME}.sha256`);
  const digest = sha256(tarball);
  if (fs.existsSync(directory) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === digest) {
    return { installed: false, directory };
  }
  fs.mkdirSync(nodesDir, { recursive: true });
  const ledger = path.join(nodesDir, 'package.json');
  /** @type {{ name: string, private: boolean, dependencies: Record<string, string> }} */
  let manifest = { name: 'installed-nodes', private: true, dependencies: {} };
  if (fs.existsSync(ledger)) {
    manifest = { ...manifest, ...JSON.parse(fs.readFileSync(ledger, 'utf8')) };
    manifest.dependencies = { ...manifest.dependencies };
  }
  // A previous install points at a tarball that may be gone; npm would try to reinstall it.
  delete manifest.dependencies[PACKAGE_NAME];
  fs.writeFileSync(ledger, `${JSON.stringify(manifest, null, 2)}\n`);
  await run(
    'npm',
    [
      'install',
      tarball,
      '--ignore-scripts',
      '--legacy-peer-deps',
      '--bin-links=false',
      '--package-lock=false',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
    ],
    { cwd: nodesDir, env: toolEnv(), maxBuffer: 64 << 20 },
  ).catch((err) => {
    throw new Error(`npm install ${tarball} in ${nodesDir} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  fs.writeFileSync(marker, digest);
  return { installed: true, directory };
}

module.exports = { PACKAGE_NAME, ROOT, toolEnv, nodesBuildIsStale, packNodePackage, installNodePackage };
