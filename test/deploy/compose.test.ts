/**
 * The Docker deployment (Dockerfile, docker-compose.yml, .env.example) checked without a Docker
 * engine: what the files say must agree with each other, with the credential type of the node
 * package and with the sidecar's configuration table in the README.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { NODE_FLAGS } from '../../sidecar/bin/node-flags';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Healthcheck {
  test?: string | string[];
}
interface Service {
  image?: string;
  build?: { context?: string; target?: string };
  command?: string | string[];
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string }>;
}

const composeText = read('docker-compose.yml');
// merge: the n8n services share their environment through a YAML anchor and `<<`.
const compose = parse(composeText, { merge: true }) as Compose;
const envExample = read('.env.example');
const dockerfile = read('Dockerfile');

/** `${NAME}`, `${NAME:-default}`, `${NAME:?error}`… as Compose interpolates them (`$${` is a literal `$`). */
const INTERPOLATION = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;

/** The value Compose gives a string when no variable is set: `${X:-d}` → d, `${X}` → ''. */
function withDefaults(value: string): string {
  return value.replace(INTERPOLATION, (_all, _name: string, op: string | undefined, arg: string | undefined) =>
    op === '-' || op === ':-' ? (arg ?? '') : '',
  );
}

/** Whether .env.example sets or documents (commented out) a variable. */
function inEnvExample(name: string): boolean {
  return new RegExp(`^#?\\s*${name}=`, 'm').test(envExample);
}

function service(name: string): Service {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

function env(name: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(service(name).environment ?? {})) out[k] = v === null ? null : String(v);
  return out;
}

/** A tag that names a version: digits first (`2.41.1`, `15.15-bookworm`, `24.21.0-bookworm-slim`), never `latest`. */
function expectPinned(image: string) {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  expect(colon).toBeGreaterThan(0);
  const tag = lastSegment.slice(colon + 1);
  expect(tag).not.toMatch(/latest/);
  expect(tag).toMatch(/^\d+(\.\d+)*([-.][a-z0-9.-]+)?$/);
}

/** The stages of the Dockerfile: FROM image (ARG defaults resolved) and the instructions after it. */
function dockerStages(): { from: string; name: string | null; body: string[] }[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: { from: string; name: string | null; body: string[] }[] = [];
  for (const line of lines) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/.exec(line);
    if (arg && stages.length === 0) args[arg[1]!] = arg[2]!;
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = from[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, n: string) => args[n] ?? '');
      stages.push({ from: image, name: from[2] ?? null, body: [] });
    } else stages.at(-1)?.body.push(line);
  }
  return stages;
}

/** The credential type of the node package and its field names, from credentials/. */
function credentialType(): { name: string; fields: string[] } {
  const src = read('credentials/DynamicWorkflowsApi.credentials.ts');
  const name = /^\s*name = '([^']+)';/m.exec(src)?.[1];
  if (!name) throw new Error('no credential type name in DynamicWorkflowsApi.credentials.ts');
  const fields = [...src.matchAll(/^\s*name: '([^']+)',/gm)].map((m) => m[1]!);
  return { name, fields };
}

describe('docker-compose.yml', () => {
  test('parses, with the sidecar and n8n services and the queue profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['n8n', 'n8n-worker', 'postgres', 'redis', 'sidecar', 'sidecar-worker']);
    for (const name of ['n8n-worker', 'postgres', 'redis', 'sidecar-worker']) expect(service(name).profiles).toEqual(['queue']);
    for (const name of ['sidecar', 'n8n']) expect(service(name).profiles).toBeUndefined();
  });

  test('every image is pinned to a version tag', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, image: s.image }).toEqual({ name, image: expect.any(String) });
      expectPinned(s.image!);
    }
    expect(service('n8n').build?.target).toBe('n8n');
    expect(service('sidecar').build?.target).toBe('sidecar');
    expect(dockerfile).toMatch(/^ARG N8N_IMAGE=docker\.n8n\.io\/n8nio\/n8n:2\.41\.1$/m);
  });

  test('every variable it reads is in .env.example', () => {
    const interpolated = [...composeText.matchAll(INTERPOLATION)].map((m) => m[1]!);
    // Entries without a value are passed on from .env when set there.
    const passedOn = Object.values(compose.services).flatMap((s) =>
      Object.entries(s.environment ?? {})
        .filter(([, v]) => v === null)
        .map(([k]) => k),
    );
    const names = [...new Set([...interpolated, ...passedOn])];
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !inEnvExample(n))).toEqual([]);
  });

  test('the required secrets fail the start when missing', () => {
    expect(composeText).toMatch(/\$\{DW_TOKEN:\?[^}]+\}/);
    expect(composeText).toMatch(/\$\{N8N_ENCRYPTION_KEY:\?[^}]+\}/);
    expect(envExample).toMatch(/^DW_TOKEN=$/m);
    expect(envExample).toMatch(/^N8N_ENCRYPTION_KEY=$/m);
  });

  test('every service has a healthcheck', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, test: s.healthcheck?.test }).toEqual({ name, test: expect.anything() });
    }
  });

  test('ports are published on 127.0.0.1 by default', () => {
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(published.map(withDefaults).sort()).toEqual(['127.0.0.1:5678:5678', '127.0.0.1:7420:7420']);
  });

  test("n8n's sidecar credential points at the sidecar's port, with the token of .env", () => {
    const { name, fields } = credentialType();
    expect(name).toBe('dynamicWorkflowsApi');
    const sidecarEnv = env('sidecar');
    const port = sidecarEnv.DW_PORT;
    expect(port).toBe('7420');
    expect(service('sidecar').ports?.map(withDefaults)).toEqual([`127.0.0.1:${port}:${port}`]);
    for (const n8nService of ['n8n', 'n8n-worker']) {
      const raw = env(n8nService).CREDENTIALS_OVERWRITE_DATA;
      if (!raw) throw new Error(`${n8nService} has no CREDENTIALS_OVERWRITE_DATA`);
      const overwrite = JSON.parse(withDefaults(raw)) as Record<string, Record<string, string>>;
      expect(Object.keys(overwrite)).toEqual([name]);
      for (const field of Object.keys(overwrite[name]!)) expect(fields).toContain(field);
      const url = new URL(overwrite[name]!.baseUrl!);
      expect(url.hostname).toBe('sidecar');
      expect(url.port).toBe(port);
      expect(raw).toMatch(/"token":"\$\{DW_TOKEN[:?}]/);
    }
    expect(sidecarEnv.DW_TOKEN).toMatch(/^\$\{DW_TOKEN[:?}]/);
    expect(sidecarEnv.DW_HOST).toBe('0.0.0.0');
    expect(sidecarEnv.DW_DATA_DIR).toBe('/data');
    expect(service('sidecar').volumes).toEqual(['sidecar_data:/data']);
  });

  test("n8n's webhook URL is the n8n service, and the sidecar may call it back", () => {
    for (const n8nService of ['n8n', 'n8n-worker']) {
      const e = env(n8nService);
      // n8n 2.41.1 reads N8N_WEBHOOK_URL (WEBHOOK_URL is deprecated there); the worker builds the
      // resume URL when it runs Wait for Convergence, so it needs the same one.
      expect(e.WEBHOOK_URL).toBeUndefined();
      const url = new URL(withDefaults(e.N8N_WEBHOOK_URL ?? ''));
      expect(url.hostname).toBe('n8n');
      expect(url.port).toBe('5678');
    }
    expect(service('n8n').ports?.map(withDefaults)).toEqual(['127.0.0.1:5678:5678']);
    const allowed = withDefaults(env('sidecar').DW_CALLBACK_HOSTS ?? '').split(',');
    expect(allowed).toContain(new URL(withDefaults(env('n8n').N8N_WEBHOOK_URL ?? '')).hostname);
  });

  test('the queue profile runs n8n main and a worker on Redis and PostgreSQL', () => {
    const worker = service('n8n-worker');
    expect(worker.command).toBe('worker');
    expect(env('n8n-worker')).toMatchObject({ EXECUTIONS_MODE: 'queue', DB_TYPE: 'postgresdb', QUEUE_BULL_REDIS_HOST: 'redis' });
    expect(env('n8n-worker').DB_POSTGRESDB_HOST).toBe('postgres');
    expect(withDefaults(env('n8n').EXECUTIONS_MODE ?? '')).toBe('regular');
    expect(withDefaults(env('n8n').DB_TYPE ?? '')).toBe('sqlite');
    // One switch in .env: the three lines go together.
    for (const line of ['COMPOSE_PROFILES=queue', 'EXECUTIONS_MODE=queue', 'DB_TYPE=postgresdb']) {
      expect(envExample).toMatch(new RegExp(`^# ${line}$`, 'm'));
    }
    expect(service('n8n').depends_on).toMatchObject({
      sidecar: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy', required: false },
      redis: { condition: 'service_healthy', required: false },
    });
    expect(service('redis').image).toMatch(/^redis:7[.:-]/);
    expect(service('postgres').image).toMatch(/^postgres:15[.:-]/);
  });

  test("the queue profile adds a sidecar worker with the sidecar's environment, on a database of its own", () => {
    const worker = service('sidecar-worker');
    expect(worker.command).toEqual(['serve', '--role', 'worker']);
    expect(worker.image).toBe(service('sidecar').image);
    expect(env('sidecar-worker')).toEqual(env('sidecar'));
    expect(env('sidecar')).toHaveProperty('DW_DATABASE_URL');
    expect(env('sidecar')).toHaveProperty('DW_REDIS_URL');
    // n8n's schema has a table named `agents`: the sidecar's tables live in their own database.
    expect(JSON.stringify(compose.configs)).toContain('CREATE DATABASE dynamic_workflows');
    expect(envExample).toMatch(/^# DW_DATABASE_URL=.*@postgres:5432\/dynamic_workflows/m);
  });

  test('data lives in named volumes', () => {
    const named = Object.keys(compose.volumes ?? {});
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) expect(named).toContain(v.split(':')[0]);
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages();
  const runtime = stages.at(-1)!;

  test('every FROM is pinned to a version tag, on Node 24 bookworm-slim', () => {
    const external = stages.filter((s) => !stages.some((t) => t.name === s.from));
    expect(external.length).toBeGreaterThan(0);
    for (const s of external) expectPinned(s.from);
    expect(stages[0]!.from).toMatch(/^node:24[.\d]*-bookworm-slim$/);
    expect(runtime.from).toBe(stages[0]!.from);
  });

  test('the sidecar stage runs as a non-root user, with a volume, a healthcheck and port 7420', () => {
    expect(runtime.name).toBe('sidecar');
    const users = runtime.body.filter((l) => /^USER\s/.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|$)/);
    expect(runtime.body).toContain('EXPOSE 7420');
    expect(runtime.body.some((l) => /^VOLUME\s.*\/data/.test(l))).toBe(true);
    const envLine = runtime.body.filter((l) => l.startsWith('ENV ')).join(' ');
    expect(envLine).toMatch(/DW_DATA_DIR=\/data/);
    expect(envLine).toMatch(/DW_HOST=0\.0\.0\.0/);
    const health = runtime.body.find((l) => l.startsWith('HEALTHCHECK'));
    expect(health).toMatch(/\/healthz/);
    expect(runtime.body.some((l) => /^ENTRYPOINT .*--no-node-snapshot.*dynamic-workflows\.js/.test(l))).toBe(true);
    // Every flag the launcher would add is given (so it does not re-exec in the container).
    const entrypoint = runtime.body.find((l) => l.startsWith('ENTRYPOINT')) ?? '';
    for (const flag of NODE_FLAGS) expect(entrypoint).toContain(`"${flag}"`);
    expect(runtime.body).toContain('CMD ["serve"]');
  });

  test('the build runs the scripts the project tests: npm ci, then the sidecar build', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.body.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(build.body.some((l) => /^RUN npm run build -w sidecar$/.test(l))).toBe(true);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });

  test('the files it copies exist, and .dockerignore keeps local state out', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) expect({ src, exists: fs.existsSync(path.join(ROOT, src)) }).toEqual({ src, exists: true });
    }
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', '.dynamic-workflows', 'test-artifacts', 'dist', '.git', '.env']) {
      expect(ignored.some((l) => l.replace(/^\*\*\//, '').replace(/\/$/, '') === entry)).toBe(true);
    }
  });
});

describe('.env.example', () => {
  test("lists every DW_ variable of README's configuration table", () => {
    const readme = read('README.md');
    const start = readme.indexOf('\n## Configuration');
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    const table = readme.slice(start, end === -1 ? undefined : end);
    const names = [...new Set([...table.matchAll(/\bDW_[A-Z0-9_]+\b/g)].map((m) => m[0]))];
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((n) => !inEnvExample(n))).toEqual([]);
  });

  test('every variable has a comment', () => {
    const lines = envExample.split('\n');
    lines.forEach((line, i) => {
      if (!/^[A-Z][A-Z0-9_]*=/.test(line)) return;
      const before = lines[i - 1] ?? '';
      expect({ line, comment: before.startsWith('#') }).toEqual({ line, comment: true });
    });
  });
});
