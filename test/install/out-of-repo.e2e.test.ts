import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureN8n, freePort, generateToken, packNodePackage, PACKAGE_NAME, ROOT } from '../../scripts/lib';
import {
  InstalledSidecar,
  installSidecar,
  outsideEnv,
  packSidecar,
  resolveFrom,
  runInstalledBin,
  secondsSince,
  SIDECAR_PACKAGE,
  type PackedSidecar,
  type SidecarInstall,
} from '../support/installed-sidecar';
import { readExample, startN8n, type N8nInstance } from '../support/n8n';
import { artifactPath, makeTempDir, removeTempDirs } from '../support/temp';
import { EXAMPLE_WEBHOOK, webhookPathOf } from '../support/workflows';
import { describeE2e } from '../support/e2e';

// The two packages as users get them, away from this repository: `npm pack` of the node
// package and of the sidecar; the sidecar's tarball `npm install`ed into an empty folder
// (dependencies from the registry; npm's own cache may serve them) without the optional
// cloud SDKs, started by its `dynamic-workflows` bin; the node package's tarball installed
// into a real n8n's community-package folder; the webhook example run end to end.

const OPTIONAL_SDKS = Object.keys(
  (JSON.parse(fs.readFileSync(path.join(ROOT, 'sidecar', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> })
    .optionalDependencies,
);

const real = (p: string): string => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/** True when `file` is inside `dir` (symbolic links followed). */
const inside = (file: string, dir: string): boolean => {
  const rel = path.relative(real(dir), real(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

describeE2e('the packages installed outside the repository', () => {
  const timings: Record<string, number> = {};
  let packed: PackedSidecar;
  let nodeTarball: string;
  let install: SidecarInstall;
  let sidecar: InstalledSidecar | undefined;
  let n8n: N8nInstance | undefined;
  let n8nUserFolder: string;
  const t0 = Date.now();

  beforeAll(async () => {
    const packDir = makeTempDir('install-pack');
    const prefix = makeTempDir('install-sidecar');
    n8nUserFolder = makeTempDir('install-n8n');

    const t = Date.now();
    [packed, nodeTarball] = await Promise.all([packSidecar(packDir), packNodePackage({ outDir: packDir })]);
    timings.pack = secondsSince(t);

    // The sidecar's address and token are known before it starts, so n8n (tens of seconds to
    // boot) starts while npm installs the sidecar.
    const port = await freePort();
    const token = generateToken();
    const sidecarUp = (async () => {
      install = await installSidecar(packed.tarball, prefix, { omitOptional: true });
      timings.npmInstall = install.seconds;
      sidecar = await InstalledSidecar.start(install, {
        dataDir: makeTempDir('install-data'),
        port,
        token,
        logFile: artifactPath('logs', 'install-e2e.sidecar.log'),
      });
      timings.sidecarStart = sidecar.startSeconds;
    })();
    const n8nUp = (async () => {
      const started = Date.now();
      const n8nBin = await ensureN8n();
      n8n = await startN8n({
        label: 'install-e2e',
        n8n: n8nBin,
        userFolder: n8nUserFolder,
        packageTarball: nodeTarball,
        workflows: [path.join(ROOT, 'examples', EXAMPLE_WEBHOOK)],
        credentials: { dynamicWorkflowsApi: { baseUrl: `http://127.0.0.1:${port}`, token } },
      });
      timings.n8nStart = secondsSince(started);
    })();
    // Both settle before a failure is thrown, so afterAll stops whatever did start.
    const failed = (await Promise.allSettled([sidecarUp, n8nUp])).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    timings.setup = secondsSince(t0);
  }, 600_000);

  afterAll(async () => {
    await n8n?.stop();
    await sidecar?.stop();
    timings.total = secondsSince(t0);
    const line = `out-of-repository install: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v} s`)
      .join(', ')}`;
    process.stderr.write(`${line}\n`);
    fs.writeFileSync(artifactPath('logs', 'install-e2e.timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    removeTempDirs();
  }, 120_000);

  const diagnose = (): string =>
    `--- n8n ---\n${n8n?.logs().split('\n').slice(-40).join('\n') ?? ''}\n--- sidecar ---\n${sidecar?.logs(40) ?? ''}`;

  test('the sidecar tarball holds the bin, the built code and the bundles the sandbox reads, and no sources', () => {
    const files = new Set(packed.files);
    for (const f of [
      'package.json',
      'bin/dynamic-workflows.js',
      'dist/cli/main.js',
      'dist/bundles/dw-prelude.js',
      'dist/bundles/dw-verification.js',
      'dist/bundles/page.js',
      'dist/bundles/page.css',
    ]) {
      expect(files).toContain(f);
    }
    expect(packed.files.filter((f) => /^(src|test|scripts|node_modules)\//.test(f) || f.startsWith('tsconfig'))).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(install.packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ 'dynamic-workflows': 'bin/dynamic-workflows.js' });
  });

  test('the install is self-contained: its dependencies resolve inside it, and the optional cloud SDKs are left out', async () => {
    expect(fs.lstatSync(install.packageDir).isSymbolicLink()).toBe(false);
    expect(inside(install.packageDir, install.prefix)).toBe(true);
    for (const dep of ['isolated-vm', 'fastify', '@anthropic-ai/sdk']) {
      const resolved = await resolveFrom(install.packageDir, dep);
      expect(resolved).not.toBeNull();
      expect(inside(resolved!, install.prefix)).toBe(true);
    }
    for (const sdk of OPTIONAL_SDKS) expect(await resolveFrom(install.packageDir, sdk)).toBeNull();
    // Nothing of the repository reaches the installed programs.
    const env = outsideEnv();
    expect(env.NODE_PATH).toBeUndefined();
    expect((env.PATH ?? '').split(path.delimiter).filter((dir) => inside(dir, ROOT))).toEqual([path.dirname(process.execPath)]);
  }, 60_000);

  test('`serve` with a cloud provider whose SDK is not installed stops with provider_unavailable naming the package', async () => {
    const res = await runInstalledBin(install, ['serve'], {
      cwd: install.prefix,
      env: {
        DW_PROVIDER: 'bedrock',
        AWS_REGION: 'us-east-1',
        DW_TOKEN: generateToken(),
        DW_HOST: '127.0.0.1',
        DW_PORT: String(await freePort()),
        DW_DATA_DIR: makeTempDir('install-bedrock'),
      },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^provider_unavailable: Provider `bedrock` needs the package @anthropic-ai\/bedrock-sdk/m);
    expect(res.stderr).toContain('npm install @anthropic-ai/bedrock-sdk@');
  }, 60_000);

  test('n8n loads the node package from its community-package folder and the webhook example converges on the installed sidecar', async () => {
    const installed = path.join(n8nUserFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(installed, 'dist', 'nodes', 'DynamicWorkflow', 'DynamicWorkflow.node.js'))).toBe(true);

    const example = readExample(EXAMPLE_WEBHOOK);
    const task = `Research question: what does an install outside the repository prove? (install-${randomUUID()})`;
    const t = Date.now();
    const res = await fetch(n8n!.webhookUrl(webhookPathOf(example)), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task, input: { audience: 'n8n users' } }),
      signal: AbortSignal.timeout(180_000),
    });
    const text = await res.text();
    timings.webhookRun = secondsSince(t);
    let answer: { status?: string; runId?: string; result?: unknown; usage?: { inputTokens: number; outputTokens: number } };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new Error(`the webhook answered ${res.status} with a body that is not JSON: ${text.slice(0, 500)}\n${diagnose()}`);
    }
    if (res.status !== 200 || answer.status !== 'converged') throw new Error(`the webhook answered ${res.status}: ${text}\n${diagnose()}`);

    const run = await sidecar!.api<{ id: string; task: string; status: string; result: unknown; usage: unknown }>(
      'GET',
      `/v1/runs/${encodeURIComponent(answer.runId ?? '')}`,
    );
    expect(run.status).toBe(200);
    expect(run.body.task).toBe(task);
    expect(run.body.status).toBe('converged');
    expect(answer.result).toEqual(run.body.result);
    expect(answer.result).not.toBeNull();
    expect(answer.usage).toEqual(run.body.usage);
    expect(answer.usage?.outputTokens).toBeGreaterThan(0);
    const health = await fetch(`${sidecar!.url}/healthz`);
    expect(((await health.json()) as { version: string }).version).toBe(
      (JSON.parse(fs.readFileSync(path.join(install.packageDir, 'package.json'), 'utf8')) as { version: string }).version,
    );
    expect(SIDECAR_PACKAGE).toBe('@dynamic-workflows/sidecar');
  }, 240_000);
});
