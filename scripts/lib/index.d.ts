// Types of the plain-JavaScript harness in this folder, for the TypeScript tests that use it.

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export declare class ManagedProcess {
  constructor(
    name: string,
    command: string,
    args: readonly string[],
    options?: {
      cwd?: string;
      env?: NodeJS.ProcessEnv;
      logFile?: string;
      echo?: boolean;
    },
  );
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly exited: Promise<ExitStatus>;
  logs(max?: number): string;
  waitForLine(re: RegExp, options?: { timeoutMs?: number; includePast?: boolean }): Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitStatus>;
  /** Sends a signal to the process and its children (its process group), without waiting. */
  signalGroup(signal: NodeJS.Signals): void;
}

export declare function freePort(host?: string): Promise<number>;
export declare function sleep(ms: number): Promise<void>;
export declare function waitForHttp(
  url: string,
  options?: {
    timeoutMs?: number;
    intervalMs?: number;
    alive?: () => boolean;
    what?: string;
  },
): Promise<void>;

export declare const PACKAGE_NAME: string;
export declare const ROOT: string;
export declare function toolEnv(extra?: Readonly<Record<string, string>>): NodeJS.ProcessEnv;
export declare function nodesBuildIsStale(root?: string): boolean;
/** Builds the node package when dist/ is stale, then `npm pack`s it into outDir; returns the tarball path. */
export declare function packNodePackage(options: { outDir: string; root?: string; build?: boolean }): Promise<string>;
export declare function installNodePackage(userFolder: string, tarball: string): Promise<{ installed: boolean; directory: string }>;

export interface OwnerLogin {
  readonly email: string;
  readonly password: string;
  readonly firstName: string;
  readonly lastName: string;
}
export declare const DEFAULT_OWNER: OwnerLogin;

/** A workflow as n8n exports it (only what the harness reads is typed). */
export interface WorkflowJson {
  id?: string;
  name: string;
  nodes: WorkflowNode[];
  connections: Record<string, unknown>;
  settings?: Record<string, unknown>;
  active?: boolean;
  [key: string]: unknown;
}
export interface WorkflowNode {
  id?: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  credentials?: Record<string, { id: string; name: string }>;
  webhookId?: string;
  [key: string]: unknown;
}

export declare class N8nRestError extends Error {
  readonly status: number;
  readonly body: string;
}

/** The execution record n8n's REST API returns (the fields the tests read). */
export interface N8nExecution {
  id: string;
  workflowId: string;
  status: 'new' | 'running' | 'success' | 'error' | 'waiting' | 'canceled' | 'crashed' | 'unknown';
  finished: boolean;
  mode: string;
  startedAt: string | null;
  stoppedAt: string | null;
  waitTill: string | null;
  data?: {
    resultData: {
      runData: Record<string, Array<{ data?: { main: Array<Array<{ json: Record<string, unknown> }> | null> }; error?: unknown }>>;
      lastNodeExecuted?: string;
      error?: { message?: string };
    };
  };
}

export declare class N8nRest {
  constructor(baseUrl: string);
  readonly baseUrl: string;
  /** The `n8n-auth=…` cookie once signed in. */
  cookie: string | null;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  needsOwnerSetup(): Promise<boolean>;
  ensureOwner(owner?: OwnerLogin): Promise<{ created: boolean }>;
  login(email: string, password: string): Promise<unknown>;
  getWorkflow(id: string): Promise<(WorkflowJson & { id: string; versionId: string; activeVersionId: string | null }) | null>;
  createWorkflow(workflow: WorkflowJson): Promise<WorkflowJson & { id: string; versionId: string }>;
  activateWorkflow(id: string): Promise<unknown>;
  deactivateWorkflow(id: string): Promise<unknown>;
  listExecutions(filter?: { workflowId?: string; status?: string[]; limit?: number }): Promise<N8nExecution[]>;
  getExecution(id: string): Promise<N8nExecution>;
}
export declare function unflatten(text: string): unknown;

export interface CredentialSpec {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export declare const N8N_VERSION: string;
export declare const READY_LINE: RegExp;
/** Ids and names of the credentials no workflow names (the examples use the same ids). */
export declare const DEFAULT_CREDENTIALS: Readonly<Record<string, { id: string; name: string }>>;
export declare function ensureN8n(): Promise<{ dir: string; bin: string; version: string }>;
export declare function n8nEnv(options: {
  userFolder: string;
  port: number;
  brokerPort: number;
  env?: Readonly<Record<string, string>>;
}): NodeJS.ProcessEnv;
/** Where an n8n in queue mode keeps its data and its queue. */
export interface N8nQueueOptions {
  /** The database main and the workers share (DB_TYPE=postgresdb); n8n creates its tables in it. */
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password?: string;
    readonly database: string;
  };
  /** The Bull queue (QUEUE_BULL_*); `prefix` (letters, digits, dashes) is also n8n's key prefix for pub/sub and cache. */
  readonly redis: { readonly host: string; readonly port: number; readonly db?: number; readonly prefix: string };
  /** N8N_ENCRYPTION_KEY of main and every worker (at least 16 characters). */
  readonly encryptionKey: string;
  /** Workers started with n8n main. @default 1 */
  readonly workers?: number;
}
/** The environment of n8n's queue mode for these services (EXECUTIONS_MODE=queue, Postgres, Redis, key). */
export declare function queueModeEnv(queue: N8nQueueOptions): Record<string, string>;
export declare function runN8nCommand(
  n8n: { bin: string },
  userFolder: string,
  args: readonly string[],
  env?: Readonly<Record<string, string>>,
): Promise<string>;
export declare function loadWorkflow(source: string | WorkflowJson): WorkflowJson;
export declare function credentialsFor(
  workflows: readonly WorkflowJson[],
  data: Readonly<Record<string, Record<string, unknown>>>,
): CredentialSpec[];
export declare function importCredentials(
  n8n: { bin: string },
  userFolder: string,
  credentials: readonly CredentialSpec[],
  env?: Readonly<Record<string, string>>,
): Promise<void>;

/** Options of startN8n. */
export interface N8nStartOptions {
  /** n8n's user folder (N8N_USER_FOLDER): database, key, community packages. Reused by restarts. */
  readonly userFolder: string;
  /** @default a free port */
  readonly port?: number;
  /** More environment for n8n main and its workers (wins over the harness's). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Run n8n in queue mode: main (`n8n start`) takes webhooks and enqueues executions, `workers`
   * `n8n worker` processes run them; both on this Postgres and Redis. @default regular mode (SQLite, no workers)
   */
  readonly queue?: N8nQueueOptions;
  /** Workflow files (or objects) to add through the REST API, keeping their ids. */
  readonly workflows?: readonly (string | WorkflowJson)[];
  /** Which workflows to publish: all, none, or these ids/names. @default true */
  readonly activate?: boolean | readonly string[];
  /** A packed node package (packNodePackage) to install as a community package. */
  readonly packageTarball?: string;
  /** Credential data by credential type; ids and names come from the workflows that use them. */
  readonly credentials?: Readonly<Record<string, Record<string, unknown>>>;
  /** Credentials to create as given. */
  readonly extraCredentials?: readonly CredentialSpec[];
  /** @default DEFAULT_OWNER */
  readonly owner?: OwnerLogin;
  /** Create the owner account when n8n has none, and sign in as it (needed to add workflows). @default true */
  readonly setupOwner?: boolean;
  /** n8n from ensureN8n(), when the caller has it already. */
  readonly n8n?: { dir: string; bin: string };
  /** Append n8n main's output to this file (worker n: the same name ending in `.worker-<n>.log`). */
  readonly logFile?: string;
  /** Print n8n's output on stderr as it comes. @default false */
  readonly echo?: boolean;
  /** @default 180000 */
  readonly startTimeoutMs?: number;
  /** How long a stop may take before n8n is killed. @default 45000 */
  readonly stopTimeoutMs?: number;
  /** Progress messages (start times). @default a line on stderr */
  readonly log?: (line: string) => void;
}

/** One `n8n worker` of an n8n in queue mode (N8nInstance.startWorker). */
export declare class N8nWorker {
  /** n8n-worker-1, n8n-worker-2, … in the order they were started. */
  readonly name: string;
  readonly process: ManagedProcess | null;
  readonly running: boolean;
  /** Port of its health server (/healthz, /healthz/readiness). */
  readonly healthPort: number;
  /** Seconds its start took. */
  readonly startSeconds: number;
  /** SIGTERM: it finishes the executions it runs, then exits; SIGKILL: a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  logs(): string;
}
export declare const WORKER_READY_LINE: RegExp;

export declare class N8nInstance {
  static start(options: N8nStartOptions): Promise<N8nInstance>;
  readonly url: string;
  readonly port: number;
  readonly userFolder: string;
  readonly rest: N8nRest;
  readonly owner: OwnerLogin;
  readonly process: ManagedProcess | null;
  /** Seconds per step of the last start/restart (installPackage, importCredentials, healthy, boot, setup, total, restart; in queue mode workers). */
  readonly timings: Readonly<Record<string, number>>;
  readonly workflows: readonly { id: string; name: string; active: boolean }[];
  /** The running workers (queue mode), oldest first. */
  readonly workers: readonly N8nWorker[];
  /** Queue mode: starts one more worker, resolving once it takes jobs. */
  startWorker(): Promise<N8nWorker>;
  /** Stops one worker and waits for its exit (its output stays in workerLogs()). */
  stopWorker(worker: N8nWorker, signal?: NodeJS.Signals): Promise<void>;
  addWorkflow(wf: WorkflowJson, activate?: boolean | readonly string[]): Promise<{ id: string; name: string; active: boolean }>;
  launch(): Promise<void>;
  /** Stops main and the workers. */
  stop(): Promise<void>;
  /** Stops and starts main again; workers keep running. */
  restart(): Promise<void>;
  /** What main printed, across restarts. */
  logs(): string;
  /** What the workers printed, stopped ones included, each under its name. */
  workerLogs(): string;
  webhookUrl(webhookPath: string): string;
}
export declare function startN8n(options: N8nStartOptions): Promise<N8nInstance>;

/** Options of startSidecar. */
export interface SidecarStartOptions {
  /** DW_DATA_DIR (also the working folder). */
  readonly dataDir: string;
  /** DW_TOKEN (at least 16 characters; see generateToken). */
  readonly token: string;
  /** DW_PORT. @default a free port */
  readonly port?: number;
  /** DW_PROVIDER. @default the sidecar's own default (offline without an API key) */
  readonly provider?: string;
  /** More environment (DW_OFFLINE_LATENCY_MS, limits, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly logFile?: string;
  readonly echo?: boolean;
  /** @default 60000 */
  readonly startTimeoutMs?: number;
}

export declare class SidecarProcess {
  static start(options: SidecarStartOptions): Promise<SidecarProcess>;
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly dataDir: string;
  readonly process: ManagedProcess | null;
  /** Seconds the last start took. */
  readonly startSeconds: number;
  launch(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
  restart(signal?: NodeJS.Signals): Promise<void>;
  logs(): string;
  api<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }>;
}
export declare function startSidecar(options: SidecarStartOptions): Promise<SidecarProcess>;
export declare function generateToken(): string;
export declare const SIDECAR_MAIN: string;
