'use strict';
// A real n8n (the version the project targets) with our node package installed as a
// community package, credentials and workflows in place, on a port of its own.
// Shared by `npm start` and the end-to-end tests.
const { execFile } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { promisify } = require('node:util');
const { DEFAULT_OWNER } = require('./n8n-rest');
const { ROOT, toolEnv } = require('./package');

const run = promisify(execFile);
const N8N_VERSION = '2.41.1';
/** Printed by `n8n start` once its published workflows are active (and their webhooks registered). */
const READY_LINE = /Editor is now accessible via/;

/**
 * Ids and names for credentials that no workflow names; a workflow that references a
 * credential decides its id (see credentialsFor).
 * @type {Readonly<Record<string, { id: string, name: string }>>}
 */
const DEFAULT_CREDENTIALS = Object.freeze({
  dynamicWorkflowsApi: { id: 'dwSidecarCred001', name: 'Dynamic Workflows sidecar' },
  smtp: { id: 'dwSmtpCred000001', name: 'SMTP account' },
  slackApi: { id: 'dwSlackCred00001', name: 'Slack account' },
});

/**
 * Installs n8n into the cache folder when missing (scripts/ensure-n8n.sh) and returns where it is.
 * @returns {Promise<{ dir: string, bin: string, version: string }>}
 */
async function ensureN8n() {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    throw new Error(
      `n8n ${N8N_VERSION} needs Node.js 24 and runs on the Node running this script (${process.version}); run it through npm, which puts the project's Node 24 first on the PATH`,
    );
  }
  const script = path.join(ROOT, 'scripts', 'ensure-n8n.sh');
  const { stdout } = await run('bash', [script], {
    env: toolEnv({ N8N_VERSION }),
    maxBuffer: 64 << 20,
    timeout: 30 * 60_000,
  }).catch((err) => {
    throw new Error(`scripts/ensure-n8n.sh failed:\n${err.stderr ?? err.message}`);
  });
  const dir = stdout.trim().split('\n').pop() ?? '';
  const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
  if (!fs.existsSync(bin)) throw new Error(`ensure-n8n.sh printed ${dir}, which holds no n8n`);
  return { dir, bin, version: N8N_VERSION };
}

/**
 * The environment n8n runs with: everything local, nothing phoning home, ports of its own.
 * @param {{ userFolder: string, port: number, brokerPort: number, env?: Readonly<Record<string, string>> }} options
 * @returns {NodeJS.ProcessEnv}
 */
function n8nEnv(options) {
  const url = `http://127.0.0.1:${options.port}/`;
  const env = toolEnv({
    N8N_USER_FOLDER: options.userFolder,
    N8N_PORT: String(options.port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    N8N_EDITOR_BASE_URL: url,
    N8N_WEBHOOK_URL: url,
    N8N_SECURE_COOKIE: 'false',
    DB_TYPE: 'sqlite',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_DYNAMIC_BANNERS_ENABLED: 'false',
    // Published workflows start at boot from the database; the separate publication service is not needed.
    N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'false',
    N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
    N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
    N8N_REINSTALL_MISSING_PACKAGES: 'false',
    // The task runner broker listens on a fixed port by default; two n8n side by side need two.
    N8N_RUNNERS_BROKER_PORT: String(options.brokerPort),
    N8N_RUNNERS_TASK_TIMEOUT: '300',
    // This module refreshes a catalogue from api.n8n.io on every boot; nothing here uses it.
    N8N_DISABLED_MODULES: 'mcp-registry',
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_OUTPUT: 'console',
    ...options.env,
  });
  delete env.WEBHOOK_URL;
  for (const name of Object.keys(env)) if (name.startsWith('JEST_')) delete env[name];
  return env;
}

/**
 * The environment of n8n's queue mode (its "scaling mode"): `n8n start` takes webhooks and
 * enqueues executions in a Bull queue on Redis, `n8n worker` processes run them, and all of
 * them share one Postgres database and one encryption key (a worker decrypts the credentials
 * main saved). The key prefix keeps the queue, pub/sub channels and cache of one n8n apart from
 * another's on the same Redis.
 * @param {{ postgres: { host: string, port: number, user: string, password?: string, database: string },
 *   redis: { host: string, port: number, db?: number, prefix: string }, encryptionKey: string }} queue
 * @returns {Record<string, string>}
 */
function queueModeEnv(queue) {
  const { postgres, redis } = queue;
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(redis.prefix))
    throw new Error(`Expected \`redis.prefix\` to be letters, digits and dashes, got ${JSON.stringify(redis.prefix)}`);
  if (queue.encryptionKey.length < 16) throw new Error('Expected `encryptionKey` to have at least 16 characters');
  return {
    EXECUTIONS_MODE: 'queue',
    DB_TYPE: 'postgresdb',
    DB_POSTGRESDB_HOST: postgres.host,
    DB_POSTGRESDB_PORT: String(postgres.port),
    DB_POSTGRESDB_USER: postgres.user,
    DB_POSTGRESDB_PASSWORD: postgres.password ?? '',
    DB_POSTGRESDB_DATABASE: postgres.database,
    QUEUE_BULL_REDIS_HOST: redis.host,
    QUEUE_BULL_REDIS_PORT: String(redis.port),
    QUEUE_BULL_REDIS_DB: String(redis.db ?? 0),
    QUEUE_BULL_PREFIX: redis.prefix,
    N8N_REDIS_KEY_PREFIX: redis.prefix,
    N8N_ENCRYPTION_KEY: queue.encryptionKey,
  };
}

/**
 * Runs one n8n CLI command (import:credentials, …) against a user folder.
 * @param {{ bin: string }} n8n
 * @param {string} userFolder
 * @param {readonly string[]} args
 * @param {Readonly<Record<string, string>>} [env]
 */
async function runN8nCommand(n8n, userFolder, args, env = {}) {
  const e = n8nEnv({ userFolder, port: 0, brokerPort: 0, env });
  try {
    const { stdout, stderr } = await run(process.execPath, [n8n.bin, ...args], {
      cwd: userFolder,
      env: e,
      maxBuffer: 64 << 20,
      timeout: 5 * 60_000,
    });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e2 = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (err);
    throw new Error(`n8n ${args.join(' ')} failed:\n${e2.stdout ?? ''}${e2.stderr ?? e2.message}`);
  }
}

/**
 * Reads a workflow: a file path, or an object as exported from n8n.
 * @param {string | Record<string, any>} source
 * @returns {Record<string, any>}
 */
function loadWorkflow(source) {
  if (typeof source !== 'string') return source;
  const wf = JSON.parse(fs.readFileSync(source, 'utf8'));
  if (!Array.isArray(wf.nodes)) throw new Error(`${source} is not an n8n workflow (no nodes)`);
  return wf;
}

/**
 * The credentials to create: one per distinct credential the workflows reference (keeping
 * the id and name the workflow uses, so it opens with its credential set), plus one per
 * type in `data` that no workflow references. Types without data are left out.
 * @param {readonly Record<string, any>[]} workflows
 * @param {Readonly<Record<string, Record<string, unknown>>>} data credential data by credential type
 * @returns {{ id: string, name: string, type: string, data: Record<string, unknown> }[]}
 */
function credentialsFor(workflows, data) {
  /** @type {Map<string, { id: string, name: string, type: string, data: Record<string, unknown> }>} */
  const out = new Map();
  for (const wf of workflows) {
    for (const node of wf.nodes ?? []) {
      for (const [type, ref] of Object.entries(node.credentials ?? {})) {
        const r = /** @type {{ id?: string, name?: string }} */ (ref);
        if (!data[type] || !r.id || out.has(r.id)) continue;
        out.set(r.id, { id: r.id, name: r.name ?? DEFAULT_CREDENTIALS[type]?.name ?? type, type, data: data[type] });
      }
    }
  }
  for (const [type, d] of Object.entries(data)) {
    if ([...out.values()].some((c) => c.type === type)) continue;
    const def = DEFAULT_CREDENTIALS[type] ?? { id: crypto.createHash('sha256').update(type).digest('hex').slice(0, 16), name: type };
    out.set(def.id, { ...def, type, data: d });
  }
  return [...out.values()];
}

/**
 * Writes credentials into n8n's database with `n8n import:credentials` (n8n encrypts
 * them with the user folder's key). An existing credential with the same id is updated.
 * @param {{ bin: string }} n8n
 * @param {string} userFolder
 * @param {readonly { id: string, name: string, type: string, data: Record<string, unknown> }[]} credentials
 * @param {Readonly<Record<string, string>>} [env] n8n's database and key, when not the user folder's SQLite
 */
async function importCredentials(n8n, userFolder, credentials, env = {}) {
  if (credentials.length === 0) return;
  const file = path.join(userFolder, `.credentials-${process.pid}-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  try {
    const out = await runN8nCommand(n8n, userFolder, ['import:credentials', `--input=${file}`], env);
    if (!/Successfully imported/.test(out)) throw new Error(`n8n import:credentials did not confirm the import:\n${out}`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

module.exports = {
  N8N_VERSION,
  READY_LINE,
  DEFAULT_CREDENTIALS,
  DEFAULT_OWNER,
  ensureN8n,
  n8nEnv,
  queueModeEnv,
  runN8nCommand,
  loadWorkflow,
  credentialsFor,
  importCredentials,
};
