import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess, ROOT, freePort, generateToken, waitForHttp } from '../../scripts/lib';

const run = promisify(execFile);

/** The sidecar's package name, from its package.json. */
export const SIDECAR_PACKAGE: string = (JSON.parse(fs.readFileSync(path.join(ROOT, 'sidecar', 'package.json'), 'utf8')) as { name: string })
  .name;

/** Seconds since `t0` (one decimal). */
export const secondsSince = (t0: number): number => Math.round((Date.now() - t0) / 100) / 10;

/**
 * The environment of a program that must not see this repository: no NODE_PATH (module
 * lookups outside the install), no npm_* variables of the `npm test` that started Jest (npm
 * reads `npm_config_*` as configuration, and `npm_config_local_prefix` names the repository),
 * no NODE_OPTIONS (the bin adds --no-node-snapshot itself), no Jest markers, and a PATH whose
 * only folder inside the repository is the one holding the Node 24 that runs this test
 * (node_modules/.bin's `node`, as CI puts it first on the PATH).
 */
export function outsideEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const nodeDir = path.dirname(process.execPath);
  const inRepo = (dir: string): boolean => {
    const rel = path.relative(ROOT, path.resolve(dir));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  const keepNpm = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(name) && !keepNpm.has(name.toLowerCase())) continue;
    if (name.startsWith('JEST_') || ['NODE_PATH', 'NODE_OPTIONS', 'NODE_ENV', 'INIT_CWD', 'PWD', 'OLDPWD'].includes(name)) continue;
    env[name] = value;
  }
  const rest = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '' && !inRepo(dir));
  env.PATH = [nodeDir, ...rest].join(path.delimiter);
  return { ...env, ...extra };
}

/** What `npm pack` reported: the tarball and the paths inside it. */
export interface PackedSidecar {
  readonly tarball: string;
  readonly files: readonly string[];
}

/**
 * `npm pack -w sidecar` into `outDir`, of the sidecar as built (`npm test` builds it first;
 * the package's `prepack` build is skipped here, so a test never rebuilds a tree other
 * people are working in).
 */
export async function packSidecar(outDir: string): Promise<PackedSidecar> {
  if (!fs.existsSync(path.join(ROOT, 'sidecar', 'dist', 'cli', 'main.js'))) {
    throw new Error('sidecar/dist is missing: build the sidecar first (npm run build -w sidecar)');
  }
  fs.mkdirSync(outDir, { recursive: true });
  const { stdout } = await run(
    'npm',
    ['pack', '-w', 'sidecar', '--ignore-scripts', '--json', '--pack-destination', outDir, '--loglevel=error'],
    { cwd: ROOT, env: outsideEnv(), maxBuffer: 64 << 20 },
  ).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm pack -w sidecar failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(outDir, info.filename), files: info.files.map((f) => f.path) };
}

/** An install of the sidecar package in a folder of its own. */
export interface SidecarInstall {
  /** The folder npm installed into (its node_modules holds the sidecar and its dependencies). */
  readonly prefix: string;
  /** The installed package's folder. */
  readonly packageDir: string;
  /** node_modules/.bin/dynamic-workflows. */
  readonly bin: string;
  /** Seconds `npm install` took. */
  readonly seconds: number;
}

/**
 * `npm install <tarball>` into `prefix` (an empty folder outside the repository), its
 * dependencies from the registry (npm's own cache may serve them). `omitOptional` leaves
 * out the cloud providers' SDKs, as `npm install --omit=optional` does for a user.
 */
export async function installSidecar(tarball: string, prefix: string, options: { omitOptional?: boolean } = {}): Promise<SidecarInstall> {
  const t0 = Date.now();
  await run(
    'npm',
    [
      'install',
      tarball,
      '--prefix',
      prefix,
      ...(options.omitOptional ? ['--omit=optional'] : []),
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      '--loglevel=error',
    ],
    { cwd: prefix, env: outsideEnv(), maxBuffer: 64 << 20, timeout: 600_000 },
  ).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm install ${tarball} in ${prefix} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  return {
    prefix,
    packageDir: path.join(prefix, 'node_modules', ...SIDECAR_PACKAGE.split('/')),
    bin: path.join(prefix, 'node_modules', '.bin', 'dynamic-workflows'),
    seconds: secondsSince(t0),
  };
}

/** Where Node, started with the outside environment in `fromDir`, resolves a package (null when it does not). */
export async function resolveFrom(fromDir: string, id: string): Promise<string | null> {
  const script = `try { console.log(require.resolve(${JSON.stringify(id)})) } catch { console.log('') }`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: fromDir, env: outsideEnv() });
  return stdout.trim() || null;
}

/** Runs the installed bin to its end (a command that is expected to stop, such as a refused `serve`). */
export async function runInstalledBin(
  install: SidecarInstall,
  args: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>>; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(install.bin, [...args], {
      cwd: options.cwd,
      env: outsideEnv(options.env),
      timeout: options.timeoutMs ?? 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : null, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `dynamic-workflows serve` of an installed sidecar, started by its bin, as a user starts it. */
export class InstalledSidecar {
  private constructor(
    readonly process: ManagedProcess,
    readonly url: string,
    readonly token: string,
    readonly dataDir: string,
    /** Seconds from the start of the bin to a healthy /healthz. */
    readonly startSeconds: number,
  ) {}

  /**
   * Starts `<prefix>/node_modules/.bin/dynamic-workflows serve` on a free loopback port with
   * a data folder (also the working folder), a token and the offline model; callbacks may go
   * to the tests' n8n on 127.0.0.1.
   */
  static async start(
    install: SidecarInstall,
    options: { dataDir: string; token?: string; port?: number; env?: Readonly<Record<string, string>>; logFile?: string },
  ): Promise<InstalledSidecar> {
    const t0 = Date.now();
    const port = options.port ?? (await freePort());
    const token = options.token ?? generateToken();
    fs.mkdirSync(options.dataDir, { recursive: true });
    const env = outsideEnv({
      DW_HOST: '127.0.0.1',
      DW_PORT: String(port),
      DW_TOKEN: token,
      DW_DATA_DIR: options.dataDir,
      DW_PROVIDER: 'offline',
      DW_CALLBACK_HOSTS: '127.0.0.1',
      ...options.env,
    });
    const proc = new ManagedProcess('installed-sidecar', install.bin, ['serve'], { cwd: options.dataDir, env, logFile: options.logFile });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/healthz`, { timeoutMs: 60_000, alive: () => proc.running, what: 'the installed sidecar' });
    } catch (err) {
      await proc.stop('SIGKILL').catch(() => undefined);
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${proc.logs(80)}`);
    }
    return new InstalledSidecar(proc, url, token, options.dataDir, secondsSince(t0));
  }

  /** One call to the sidecar's API with the token; the body parsed as JSON when it is JSON. */
  async api<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON.
    }
    return { status: res.status, body: parsed as T };
  }

  logs(max?: number): string {
    return this.process.logs(max);
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 20_000);
  }
}
