#!/usr/bin/env node
'use strict';
// `npm start` (after `npm run build`): the sidecar and n8n 2.41.1 with this package
// installed, the sidecar credential set, the examples imported; Ctrl-C stops both.
// Everything lives in .dynamic-workflows/ (kept between starts): the sidecar's data, its
// token, n8n's user folder (n8n/), the logs (logs/).
const fs = require('node:fs');
const path = require('node:path');
const {
  DEFAULT_OWNER,
  N8nInstance,
  ROOT,
  ensureN8n,
  generateToken,
  importCredentials,
  loadWorkflow,
  packNodePackage,
  startSidecar,
  credentialsFor,
} = require('./lib');
const { Progress, preflight } = require('./lib/preflight');

const HOME = path.join(ROOT, '.dynamic-workflows');
const N8N_FOLDER = path.join(HOME, 'n8n');
const LOGS = path.join(HOME, 'logs');
const EXAMPLES = path.join(ROOT, 'examples');
/** Records what was set up in n8n's folder, so a restart skips what is done already. */
const STATE_FILE = path.join(N8N_FOLDER, '.dynamic-workflows-start.json');

/** Credentials the approval examples use, created once with placeholder data for the user to fill in. */
const PLACEHOLDER_CREDENTIALS = {
  smtp: { host: 'smtp.example.com', port: 465, secure: true, user: 'change-me', password: 'change-me' },
  slackApi: { accessToken: 'xoxb-change-me' },
};

/** What is going on and for how long: a status line redrawn on a terminal, plain lines in a log. */
const progress = new Progress(process.stdout);
const say = (/** @type {string} */ line) => progress.line(line);

/** @param {string} name @param {number} def */
function portFrom(name, def) {
  const raw = process.env[name];
  if (!raw) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`Expected \`${name}\` to be a port number, got ${JSON.stringify(raw)}`);
  return n;
}

/** DW_TOKEN, else the token kept in .dynamic-workflows/token (made on the first start). */
function sidecarToken() {
  if (process.env.DW_TOKEN) return { token: process.env.DW_TOKEN, source: 'DW_TOKEN' };
  const file = path.join(HOME, 'token');
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${generateToken()}\n`, { mode: 0o600 });
  return { token: fs.readFileSync(file, 'utf8').trim(), source: path.relative(ROOT, file) };
}

/** @returns {{ sidecarCredential?: string, placeholders?: boolean }} */
function readState() {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
  } catch {
    return {};
  }
}

/** @param {string} file */
function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** @type {import('./lib').SidecarProcess | null} */
let sidecar = null;
/** @type {import('./lib').N8nInstance | null} */
let n8n = null;
let stopping = false;

/** @param {number} code */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  progress.stop();
  if (n8n || sidecar) say('\nStopping n8n and the sidecar…');
  await n8n?.stop().catch(() => undefined);
  await sidecar?.stop().catch(() => undefined);
  process.exit(code);
}

async function main() {
  const dataDir = process.env.DW_DATA_DIR ? path.resolve(process.env.DW_DATA_DIR) : HOME;
  const sidecarPort = portFrom('DW_PORT', 7420);
  const n8nPort = portFrom('N8N_PORT', 5678);
  // Before anything slow: a taken port or a sidecar left running would fail the start minutes later.
  const problems = await preflight({
    dataDir,
    ports: [
      { port: sidecarPort, variable: 'DW_PORT', what: 'the sidecar' },
      { port: n8nPort, variable: 'N8N_PORT', what: 'n8n' },
    ],
  });
  if (problems.length > 0) throw new Error(`cannot start:\n${problems.map((p) => `  ${p}`).join('\n')}`);

  fs.mkdirSync(LOGS, { recursive: true });
  const sidecarLog = path.join(LOGS, 'sidecar.log');
  const n8nLog = path.join(LOGS, 'n8n.log');
  const echo = process.env.DW_START_ECHO === '1';
  const provider = process.env.DW_PROVIDER || (process.env.ANTHROPIC_API_KEY ? 'anthropic' : 'offline');
  const { token, source: tokenSource } = sidecarToken();

  say(`Starting the sidecar (provider ${provider}; log ${path.relative(ROOT, sidecarLog)}) and preparing n8n…`);
  const [n8nInstall, tarball, sc] = await Promise.all([
    progress.task('checking n8n (the first start installs it: a few minutes)', 'n8n ready', () => ensureN8n()),
    progress.task('packing the node package', 'node package packed', () => packNodePackage({ outDir: path.join(HOME, 'package') })),
    progress.task('starting the sidecar', `sidecar listening on port ${sidecarPort}`, () =>
      startSidecar({
        dataDir,
        token,
        port: sidecarPort,
        logFile: sidecarLog,
        echo,
        // Callbacks go only to hosts the operator allows: here the local n8n (its webhook URL is 127.0.0.1).
        env: { DW_CALLBACK_HOSTS: process.env.DW_CALLBACK_HOSTS || '127.0.0.1' },
      }).then((s) => (sidecar = s)),
    ),
  ]);

  // The sidecar credential follows the sidecar's URL and token; the others are placeholders made once.
  fs.mkdirSync(N8N_FOLDER, { recursive: true });
  const state = readState();
  const examples = fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadWorkflow(path.join(EXAMPLES, f)));
  const sidecarCredential = JSON.stringify({ baseUrl: sc.url, token });
  /** @type {Record<string, Record<string, unknown>>} */
  const wanted = {};
  if (state.sidecarCredential !== sidecarCredential) wanted.dynamicWorkflowsApi = { baseUrl: sc.url, token };
  if (!state.placeholders) Object.assign(wanted, PLACEHOLDER_CREDENTIALS);
  const credentials = credentialsFor(examples, wanted);
  if (credentials.length > 0) {
    await progress.task('saving the credentials in n8n', 'credentials saved in n8n', () =>
      importCredentials(n8nInstall, N8N_FOLDER, credentials),
    );
    fs.writeFileSync(STATE_FILE, JSON.stringify({ sidecarCredential, placeholders: true }), { mode: 0o600 });
  }

  say(`Starting n8n (first start takes a minute; log ${path.relative(ROOT, n8nLog)})…`);
  const instance = await progress.task('installing the node package into n8n and starting n8n', `n8n listening on port ${n8nPort}`, () =>
    N8nInstance.start({
      n8n: n8nInstall,
      userFolder: N8N_FOLDER,
      port: n8nPort,
      packageTarball: tarball,
      setupOwner: false,
      logFile: n8nLog,
      echo,
      log: () => undefined,
    }),
  );
  n8n = instance;

  let signedIn = true;
  const owner = await instance.rest.ensureOwner(DEFAULT_OWNER).catch((/** @type {Error} */ err) => {
    signedIn = false;
    say(`Could not sign in to n8n as ${DEFAULT_OWNER.email} (was its password changed?): ${err.message}\nThe examples were not imported.`);
    return { created: false };
  });
  /** @type {string[]} */
  const imported = [];
  if (signedIn) {
    await progress.task('importing the examples', 'examples checked', async () => {
      for (const wf of examples) {
        if (wf.id && (await instance.rest.getWorkflow(wf.id))) continue;
        try {
          await instance.addWorkflow(wf, true);
          imported.push(wf.name);
        } catch (err) {
          say(`Example "${wf.name}" was imported but not published: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    });
  }

  // The synchronous example answers the curl below with the result; the 202 + callback one
  // needs a callbackUrl, so it is not the one to try first.
  const webhookExample = examples.find((wf) => wf.id === 'dwExampleWebhook');
  const webhookPath = webhookExample?.nodes.find((n) => n.type === 'n8n-nodes-base.webhook')?.parameters.path;
  say('');
  say(`n8n editor     ${instance.url}/`);
  say(`  sign in as   ${DEFAULT_OWNER.email} / ${DEFAULT_OWNER.password}${owner.created ? ' (account created now)' : ''}`);
  say(`sidecar        ${sc.url}/  (run page and API; token in ${tokenSource})`);
  say(`model          ${provider}${provider === 'offline' ? ' (deterministic local model; set ANTHROPIC_API_KEY for Claude)' : ''}`);
  if (imported.length > 0) say(`examples       imported and published: ${imported.join('; ')}`);
  if (webhookPath) {
    say('try it         curl -s -X POST -H "content-type: application/json" \\');
    say(`                 -d '{"task":"Research question: what does HTTP status 429 mean?"}' ${instance.url}/webhook/${webhookPath}`);
  }
  say('The approval examples need their SMTP / Slack credentials filled in (Credentials page in the editor).');
  say('Press Ctrl-C to stop both.');

  // Either process dying ends the session, with the end of its log.
  const died = await Promise.race([
    sc.process?.exited.then(() => ({ name: 'sidecar', log: sidecarLog })),
    instance.process?.exited.then(() => ({ name: 'n8n', log: n8nLog })),
  ]);
  if (!stopping && died) {
    say(`\n${died.name} exited unexpectedly; the end of ${path.relative(ROOT, died.log)}:\n${tail(died.log)}`);
    await stopAll(1);
  }
}

// n8n and the sidecar run in process groups of their own: Ctrl-C reaches them only through here.
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

main().catch(async (err) => {
  progress.stop();
  process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll(1);
});
