import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { sidecarRequest } from '../../../common/transport/request';
import {
	CALLBACK_EVENTS,
	type CallbackEvent,
	type RunLimits,
	type RunRecord,
	type StartRunBody,
} from '../../../common/types';
import { RUN_LIMITS, TOOLS } from '../../../common/vocabulary';
import { getJsonParameter } from './jsonParameter';

// Run and Wait (runAndWait.operation.ts) starts a run with the same parameters.
const showOnlyForStart = { resource: ['run'], operation: ['start', 'runAndWait'] };
const showOnlyForStartWithJsonInput = { ...showOnlyForStart, inputSource: ['json'] };
const showOnlyForStartWithOwnScript = { ...showOnlyForStart, scriptMode: ['script'] };
const showOnlyForStartWithSavedWorkflow = { ...showOnlyForStart, scriptMode: ['workflow'] };

const EXAMPLE_SCRIPT = `// \`args\` is the run's input; what the script returns is the run's result.
const answer = await agent(\`Answer briefly: \${JSON.stringify(args)}\`, { label: 'answer' });
return { answer };
`;

/** Per-run limits, from the sidecar's limits table; each starts at the sidecar's default when added. */
const LIMIT_FIELDS = (Object.keys(RUN_LIMITS) as Array<keyof typeof RUN_LIMITS>).map((name) => ({
	name,
	...RUN_LIMITS[name],
}));

export const description: INodeProperties[] = [
	{
		displayName: 'Task',
		name: 'task',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Audit the files in args.files for injection bugs',
		description:
			'What the run should achieve. Claude plans the script from it, and it is kept with the run.',
		typeOptions: { rows: 3 },
		displayOptions: { show: showOnlyForStart, hide: { scriptMode: ['workflow'] } },
	},
	{
		displayName: 'Task',
		name: 'task',
		type: 'string',
		default: '',
		placeholder: 'e.g. Audit the files of this release',
		description:
			"What this run is for, kept with the run; leave empty to use the saved workflow's description",
		typeOptions: { rows: 3 },
		displayOptions: { show: showOnlyForStartWithSavedWorkflow },
	},
	{
		displayName: 'Input',
		name: 'inputSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Item JSON',
				value: 'item',
				description: "The incoming item's JSON becomes the script's args",
			},
			{
				name: 'Define Below',
				value: 'json',
				description: 'A JSON value, typed in or from an expression',
			},
		],
		default: 'item',
		description: 'What the script receives as `args`',
		displayOptions: { show: showOnlyForStart },
	},
	{
		displayName: 'Input JSON',
		name: 'input',
		type: 'json',
		default: '{}',
		description:
			"The script's args; an expression can take them from the item, such as the body of a webhook call",
		displayOptions: { show: showOnlyForStartWithJsonInput },
	},
	{
		displayName: 'Script',
		name: 'scriptMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Generate',
				value: 'generate',
				description: 'Claude writes the orchestration script from the task',
			},
			{
				name: 'Use My Script',
				value: 'script',
				description: 'Run the script below; planning is skipped',
			},
			{
				name: 'Use a Saved Workflow',
				value: 'workflow',
				description: 'Run a script saved on the sidecar under a name; planning is skipped',
			},
		],
		default: 'generate',
		displayOptions: { show: showOnlyForStart },
	},
	{
		displayName: 'Script Code',
		name: 'script',
		type: 'string',
		required: true,
		default: EXAMPLE_SCRIPT,
		description:
			'A dynamic-workflow script: globals args, agent(), parallel(), pipeline(), phase(), log(), budget and the verification helpers',
		typeOptions: { editor: 'jsEditor', rows: 12 },
		displayOptions: { show: showOnlyForStartWithOwnScript },
	},
	{
		displayName: 'Saved Workflow Name or ID',
		name: 'workflow',
		type: 'options',
		required: true,
		typeOptions: { loadOptionsMethod: 'getSavedWorkflows' },
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		displayOptions: { show: showOnlyForStartWithSavedWorkflow },
	},
	{
		displayName: 'Allowed Tools',
		name: 'tools',
		type: 'multiOptions',
		options: TOOLS.map((tool) => ({ ...tool })),
		default: [],
		description:
			"Built-in tools the run's agents may use. A script can narrow this set, never widen it.",
		displayOptions: { show: showOnlyForStart },
	},
	{
		displayName: 'Allowed MCP Tools',
		name: 'mcpTools',
		type: 'string',
		default: '',
		placeholder: 'e.g. mcp__n8n__*, mcp__files__read_file',
		description:
			"Tools of the sidecar's MCP servers (DW_MCP_SERVERS) the run's agents may use, comma-separated: mcp__&lt;server&gt;__&lt;tool&gt;, or mcp__&lt;server&gt;__* for every tool of a server",
		displayOptions: { show: showOnlyForStart },
	},
	{
		displayName: 'Workspace',
		name: 'workspace',
		type: 'string',
		default: '',
		placeholder: 'e.g. repo-a',
		description:
			"Folder under the sidecar's workspace roots that the file tools work in; leave empty for none",
		displayOptions: { show: showOnlyForStart },
	},
	{
		displayName: 'Require Plan Approval',
		name: 'approvePlan',
		type: 'boolean',
		default: false,
		description:
			'Whether the run stops at awaiting_approval once its script is planned, until the Approve operation (or the run page) decides',
		displayOptions: { show: showOnlyForStart },
	},
	{
		displayName: 'Limits',
		name: 'limits',
		type: 'collection',
		placeholder: 'Add Limit',
		default: {},
		description: "Per-run limits; those left out take the sidecar's defaults",
		displayOptions: { show: showOnlyForStart },
		options: LIMIT_FIELDS.map((field) => ({
			displayName: field.title,
			name: field.name,
			type: 'number' as const,
			default: field.default,
			typeOptions: { minValue: field.min },
			description: `${field.description}. The sidecar's own value is the most a run may ask for.`,
		})),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showOnlyForStart },
		options: [
			{
				displayName: 'Agent Model',
				name: 'agentModel',
				type: 'string',
				default: '',
				placeholder: 'e.g. claude-haiku-4-5',
				description: "Model of the subagents; empty for the sidecar's default",
			},
			{
				displayName: 'Callback Events',
				name: 'callbackEvents',
				type: 'multiOptions',
				options: [
					{ name: 'Awaiting Approval', value: 'awaiting_approval' },
					{ name: 'Cancelled', value: 'cancelled' },
					{ name: 'Converged', value: 'converged' },
					{ name: 'Failed', value: 'failed' },
				],
				default: ['converged', 'failed', 'cancelled'],
				description: 'States of the run that are posted to the callback URL',
			},
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://example.com/hooks/run-done',
				description:
					'Also POST the run to this URL when it reaches one of the callback events. To resume this workflow, use Wait for Convergence instead.',
			},
			{
				displayName: 'Planner Model',
				name: 'model',
				type: 'string',
				default: '',
				placeholder: 'e.g. claude-sonnet-4-5',
				description: "Model that writes the script; empty for the sidecar's default",
			},
		],
	},
];

type StartOptions = {
	model?: string;
	agentModel?: string;
	callbackUrl?: string;
	callbackEvents?: string[];
};

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<RunRecord> {
	const scriptMode = this.getNodeParameter('scriptMode', itemIndex, 'generate') as
		'generate' | 'script' | 'workflow';
	const task = String(this.getNodeParameter('task', itemIndex, '') ?? '').trim();
	// A saved workflow brings its own task (its description) when none is given.
	if (!task && scriptMode !== 'workflow') {
		throw new NodeOperationError(this.getNode(), 'Task is empty', { itemIndex });
	}

	const inputSource = this.getNodeParameter('inputSource', itemIndex, 'item') as 'item' | 'json';
	const input =
		inputSource === 'json'
			? getJsonParameter.call(this, 'input', 'Input JSON', itemIndex)
			: this.getInputData()[itemIndex].json;

	const options = this.getNodeParameter('options', itemIndex, {}) as StartOptions;
	const body: StartRunBody = {
		...(task ? { task } : {}),
		input,
		options: {
			approvePlan: this.getNodeParameter('approvePlan', itemIndex, false) as boolean,
			tools: [
				...(this.getNodeParameter('tools', itemIndex, []) as string[]),
				...mcpToolsOf(this.getNodeParameter('mcpTools', itemIndex, '') as string),
			],
			...nonEmpty('workspace', this.getNodeParameter('workspace', itemIndex, '') as string),
			...nonEmpty('model', options.model),
			...nonEmpty('agentModel', options.agentModel),
			...limitsOf(this.getNodeParameter('limits', itemIndex, {}) as IDataObject),
		},
	};

	if (scriptMode === 'workflow') {
		const workflow = String(this.getNodeParameter('workflow', itemIndex, '') ?? '').trim();
		if (!workflow) {
			throw new NodeOperationError(this.getNode(), 'No saved workflow chosen', {
				itemIndex,
				description: "Choose one of the sidecar's saved workflows, or set Script to Generate",
			});
		}
		body.workflow = workflow;
	} else if (scriptMode === 'script') {
		const script = this.getNodeParameter('script', itemIndex, '') as string;
		if (!script.trim()) {
			throw new NodeOperationError(this.getNode(), 'Script Code is empty', {
				itemIndex,
				description: 'Write a script, or set Script to Generate to let Claude write one',
			});
		}
		body.script = script;
	}

	const callbackUrl = options.callbackUrl?.trim();
	if (callbackUrl) {
		const events = (options.callbackEvents ?? []).filter((e): e is CallbackEvent =>
			CALLBACK_EVENTS.includes(e as CallbackEvent),
		);
		body.callback = events.length ? { url: callbackUrl, events } : { url: callbackUrl };
	}

	return await sidecarRequest<RunRecord>(
		this,
		{ method: 'POST', path: '/v1/runs', body },
		itemIndex,
	);
}

function nonEmpty<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
	const trimmed = value?.trim();
	return trimmed ? ({ [key]: trimmed } as Record<K, string>) : {};
}

/** Only the limits the user added: a missing one takes the sidecar's default. */
function limitsOf(values: IDataObject): { limits?: Partial<RunLimits> } {
	const limits: Partial<RunLimits> = {};
	for (const { name } of LIMIT_FIELDS) {
		const value = values[name];
		if (typeof value === 'number' && Number.isFinite(value)) limits[name] = value;
	}
	return Object.keys(limits).length ? { limits } : {};
}

/** The Allowed MCP Tools field as names: comma or whitespace separated, duplicates dropped. */
function mcpToolsOf(raw: string): string[] {
	return [...new Set(raw.split(/[\s,]+/).filter((name) => name !== ''))];
}
