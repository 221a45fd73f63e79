import type { IDataObject, JsonObject, JsonValue } from 'n8n-workflow';

// Mirrors of the sidecar's HTTP contract (README.md, "HTTP API"; docs/architecture.md). The node
// package cannot import the sidecar's own types: it ships without the sidecar workspace.
// Declared as `type` aliases, not interfaces, so a record is assignable to n8n's IDataObject.

export type RunStatus =
	'queued' | 'planning' | 'awaiting_approval' | 'running' | 'converged' | 'failed' | 'cancelled';

export const RUN_STATUSES: readonly RunStatus[] = [
	'queued',
	'planning',
	'awaiting_approval',
	'running',
	'converged',
	'failed',
	'cancelled',
];

/** The states a callback can report: the ones a run settles in, or pauses at for approval. */
export type CallbackEvent = 'converged' | 'failed' | 'cancelled' | 'awaiting_approval';

export const CALLBACK_EVENTS: readonly CallbackEvent[] = [
	'converged',
	'failed',
	'cancelled',
	'awaiting_approval',
];

export type ErrorInfo = {
	code: string;
	message: string;
};

export type Usage = {
	inputTokens: number;
	outputTokens: number;
	cacheReadTokens: number;
	cacheWriteTokens: number;
	usd: number;
};

export type RunLimits = {
	maxParallel: number;
	maxAgents: number;
	maxTokens: number;
	maxUsd: number;
	deadlineMs: number;
	cpuMs: number;
	memoryMb: number;
};

export type AgentCounts = {
	queued: number;
	active: number;
	done: number;
	failed: number;
	total: number;
};

/** GET /v1/runs/:id, and the answer of start, cancel, approve and rerun. */
export type RunRecord = {
	id: string;
	status: RunStatus;
	phase: string | null;
	task: string;
	input: JsonValue;
	options: JsonObject;
	limits: RunLimits;
	counts: AgentCounts;
	usage: Usage;
	result: JsonValue;
	error: ErrorInfo | null;
	parentId: string | null;
	/** The saved workflow the run's script came from (sidecars before saved workflows leave it out). */
	workflow?: string | null;
	meta: JsonObject | null;
	createdAt: string;
	updatedAt: string;
	hasScript: boolean;
	approval: { approved: boolean; comment: string | null } | null;
	paused: boolean;
	estimate: { agents: number | null; usd: number | null } | null;
};

/** GET /v1/runs */
export type RunList = {
	runs: RunRecord[];
	nextCursor: string | null;
};

/** The body of POST /v1/runs. */
export type StartRunBody = {
	/** Optional with `workflow`: the sidecar takes the saved workflow's description. */
	task?: string;
	/** Run this saved workflow of the sidecar (GET /v1/workflows) instead of planning a script. */
	workflow?: string;
	/** An item's JSON or a parsed JSON parameter: the script's `args`. */
	input?: IDataObject | JsonValue;
	script?: string;
	options: {
		model?: string;
		agentModel?: string;
		approvePlan: boolean;
		tools: string[];
		workspace?: string;
		limits?: Partial<RunLimits>;
	};
	callback?: { url: string; events?: CallbackEvent[] };
};

/** The body of POST /v1/runs/:id/rerun. */
export type RerunBody = {
	script?: string;
	input?: IDataObject | JsonValue;
};

/** What the sidecar POSTs to a registered callback URL (signed, see WaitForConvergence/signature.ts). */
export type CallbackPayload = {
	runId: string;
	status: RunStatus;
	result?: JsonValue;
	error?: ErrorInfo | null;
	usage: Usage;
};

/** One entry of GET /v1/workflows: a saved workflow of the sidecar, with what its `meta` says. */
export type SavedWorkflowSummary = {
	name: string;
	description: string | null;
	whenToUse: string | null;
	phases: string[];
	valid: boolean;
	error?: ErrorInfo;
};

/** GET /v1/workflows */
export type WorkflowList = { workflows: SavedWorkflowSummary[] };

/** When a group's one callback comes: every run ended, `count` of them ended, or one converged. */
export type GroupWait = 'all' | 'any' | 'first';

/** The body of POST /v1/callbacks: one callback for the runs of many items (fan-in). */
export type CallbackGroupBody = {
	/** One per input item, in item order (a run named by two items appears twice). */
	runIds: string[];
	wait: GroupWait;
	count?: number;
	url: string;
	events: CallbackEvent[];
	/** `answer`: when the condition already holds, register nothing and answer with the body. */
	ifAlreadyMet: 'deliver' | 'answer';
};

/** One run in a group's callback body. */
export type GroupRunPayload = {
	runId: string;
	/** `unknown` for a run that no longer exists. */
	status: RunStatus | 'unknown';
	result?: JsonValue;
	/** The result was left out to keep the callback under 16 MiB; Get reads it. */
	resultOmitted?: boolean;
	error?: ErrorInfo | null;
	usage: Usage | null;
	/** Its status is one of the group's events; runs that have not ended carry their current status. */
	ended: boolean;
};

/** What the sidecar POSTs once for a group, and answers when the condition already held. */
export type GroupPayload = {
	groupId: string | null;
	wait: GroupWait;
	count?: number;
	/** As registered: one per input item. */
	runIds: string[];
	/** Each distinct run once, in the order of first mention. */
	runs: GroupRunPayload[];
};

/** The answer of POST /v1/callbacks: the group, or (condition already met, `ifAlreadyMet: answer`) the body. */
export type GroupRegistrationAnswer =
	{ met: true; payload: GroupPayload } | { id: string; met: boolean; state: string };
