import fs from 'node:fs';
import path from 'node:path';
import {
  ensureN8n,
  packNodePackage,
  startN8n as startN8nInstance,
  type N8nExecution,
  type N8nInstance,
  type N8nStartOptions,
  type WorkflowJson,
} from '../../scripts/lib';
import { ARTIFACTS_DIR, artifactPath, makeTempDir } from './temp';
import { waitFor } from './wait';

export type { N8nExecution, N8nInstance, WorkflowJson, WorkflowNode } from '../../scripts/lib';

let packed: Promise<string> | null = null;

/**
 * The node package packed once per test process (`npm pack` of the repository root,
 * building dist/ first when it is stale), as a user would install it. DW_E2E_PACKAGE
 * names a tarball to test instead (a release candidate, or the package from the registry
 * fetched with `npm pack n8n-nodes-dynamic-workflows`).
 */
export function packedNodePackage(): Promise<string> {
  const given = process.env.DW_E2E_PACKAGE;
  packed ??= given ? Promise.resolve(path.resolve(given)) : packNodePackage({ outDir: makeTempDir('pack') });
  return packed;
}

/** Options of the tests' n8n: everything of startN8n, with test defaults. */
export interface TestN8nOptions extends Partial<N8nStartOptions> {
  /** Names the log file test-artifacts/logs/<label>.n8n.log. @default 'n8n' */
  readonly label?: string;
  /** Install our packed node package. @default true */
  readonly installPackage?: boolean;
}

/**
 * A real n8n 2.41.1 in a temporary user folder with our package installed as a community
 * package, the owner account (DEFAULT_OWNER) set up, and the given workflows published. With
 * `queue` (see createQueueSpace), n8n main and its workers in queue mode; each worker logs to
 * test-artifacts/logs/<label>.n8n.worker-<n>.log.
 */
export async function startN8n(options: TestN8nOptions = {}): Promise<N8nInstance> {
  const { label = 'n8n', installPackage = true, ...rest } = options;
  if (rest.queue) removeWorkerLogs(label);
  const [n8n, tarball] = await Promise.all([
    ensureN8n(),
    installPackage && !rest.packageTarball ? packedNodePackage() : Promise.resolve(rest.packageTarball),
  ]);
  return startN8nInstance({
    n8n,
    userFolder: rest.userFolder ?? makeTempDir('n8n'),
    logFile: rest.logFile ?? artifactPath('logs', `${label}.n8n.log`),
    ...rest,
    packageTarball: tarball,
  });
}

/** Workers append to their log files: the files of an earlier run of this label go first. */
function removeWorkerLogs(label: string): void {
  const dir = path.join(ARTIFACTS_DIR, 'logs');
  const ours = (file: string): boolean => file.startsWith(`${label}.n8n.worker-`) && file.endsWith('.log');
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (ours(file)) fs.rmSync(path.join(dir, file), { force: true });
}

/** Reads a workflow file of examples/ by its file name. */
export function readExample(file: string): WorkflowJson {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', file), 'utf8')) as WorkflowJson;
}

/** The executions of a workflow, newest first. */
export function executionsOf(n8n: N8nInstance, workflowId: string): Promise<N8nExecution[]> {
  return n8n.rest.listExecutions({ workflowId });
}

/** Waits until the workflow has an execution matching `accept` and returns it (with its run data). */
export async function waitForExecution(
  n8n: N8nInstance,
  workflowId: string,
  accept: (e: N8nExecution) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<N8nExecution> {
  const found = await waitFor(async () => (await executionsOf(n8n, workflowId)).find(accept), {
    what,
    timeoutMs,
    intervalMs: 500,
    diagnose: () => n8n.logs().split('\n').slice(-60).join('\n'),
  });
  return n8n.rest.getExecution(found.id);
}

/** The JSON of the first item a node output in an execution (its first run), or undefined when it did not run. */
export function nodeOutput(execution: N8nExecution, nodeName: string): Record<string, unknown> | undefined {
  const runs = execution.data?.resultData.runData[nodeName];
  const main = runs?.[0]?.data?.main ?? [];
  for (const output of main) if (output && output.length > 0) return output[0].json;
  return undefined;
}
