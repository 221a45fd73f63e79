import { generateToken, startSidecar as startSidecarProcess, type SidecarProcess, type SidecarStartOptions } from '../../scripts/lib';
import { artifactPath, makeTempDir } from './temp';

export type { SidecarProcess } from '../../scripts/lib';

/** Options of the tests' sidecar: everything of startSidecar, with test defaults. */
export interface TestSidecarOptions extends Partial<SidecarStartOptions> {
  /** Names the log file test-artifacts/logs/<label>.sidecar.log. @default 'sidecar' */
  readonly label?: string;
}

/**
 * The real sidecar (`node --no-node-snapshot sidecar/dist/cli/main.js serve`) on a free
 * loopback port with a temporary data folder, a generated token and the offline model.
 */
export async function startSidecar(options: TestSidecarOptions = {}): Promise<SidecarProcess> {
  const { label = 'sidecar', ...rest } = options;
  return startSidecarProcess({
    dataDir: rest.dataDir ?? makeTempDir('sidecar'),
    token: rest.token ?? generateToken(),
    provider: rest.provider ?? 'offline',
    logFile: rest.logFile ?? artifactPath('logs', `${label}.sidecar.log`),
    ...rest,
    // Callbacks may go to the tests' n8n, which listens (and builds its resume URLs) on 127.0.0.1.
    env: { DW_CALLBACK_HOSTS: '127.0.0.1', ...rest.env },
  });
}

/** The sidecar's record of a run (the fields the tests read; /openapi.json has them all). */
export interface RunRecord {
  readonly id: string;
  readonly status: 'queued' | 'planning' | 'awaiting_approval' | 'running' | 'converged' | 'failed' | 'cancelled';
  readonly task: string;
  readonly result: unknown;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly cacheReadTokens: number;
    readonly cacheWriteTokens: number;
    readonly usd: number;
  };
}

/** GET /v1/runs/:id, failing on anything but 200. */
export async function getRun(sidecar: SidecarProcess, id: string): Promise<RunRecord> {
  const res = await sidecar.api<RunRecord>('GET', `/v1/runs/${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`GET /v1/runs/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GET /v1/runs: the newest page of runs, newest first. */
export async function listRuns(sidecar: SidecarProcess): Promise<RunRecord[]> {
  const res = await sidecar.api<{ runs: RunRecord[] }>('GET', '/v1/runs');
  if (res.status !== 200) throw new Error(`GET /v1/runs answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.runs;
}

/** The run whose task contains `marker` (tests put a unique marker in each task). */
export async function findRunByTask(sidecar: SidecarProcess, marker: string): Promise<RunRecord | undefined> {
  return (await listRuns(sidecar)).find((r) => r.task.includes(marker));
}
