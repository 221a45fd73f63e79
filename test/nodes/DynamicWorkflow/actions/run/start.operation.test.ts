import { NodeOperationError, type IDataObject } from 'n8n-workflow';

import { execute } from '../../../../../nodes/DynamicWorkflow/actions/run/start.operation';
import { sidecarRequest } from '../../../../../nodes/common/transport/request';
import { fakeExecuteContext, type ParameterValue } from '../../../support/fake-execute-context';

jest.mock('../../../../../nodes/common/transport/request');
const request = jest.mocked(sidecarRequest);

const START_DEFAULTS: Record<string, ParameterValue> = {
	task: 'Audit the auth module',
	inputSource: 'item',
	scriptMode: 'generate',
	tools: [],
	workspace: '',
	approvePlan: false,
	limits: {},
	options: {},
};

function startWith(
	params: Record<string, ParameterValue>,
	items: IDataObject[] = [{ files: ['a.ts', 'b.ts'] }],
) {
	return fakeExecuteContext({ items, params: { ...START_DEFAULTS, ...params } });
}

beforeEach(() => {
	request.mockReset();
	request.mockResolvedValue({ id: 'run-1', status: 'planning' });
});

describe('Start', () => {
	it("posts the task with the item's JSON as input and returns the run record at once", async () => {
		const context = startWith({});

		const run = await execute.call(context, 0);

		expect(run).toEqual({ id: 'run-1', status: 'planning' });
		expect(request).toHaveBeenCalledWith(
			context,
			{
				method: 'POST',
				path: '/v1/runs',
				body: {
					task: 'Audit the auth module',
					input: { files: ['a.ts', 'b.ts'] },
					options: { approvePlan: false, tools: [] },
				},
			},
			0,
		);
	});

	it('takes each item its own task and input', async () => {
		const context = startWith({ task: (i: number) => `task ${i}` }, [{ n: 0 }, { n: 1 }]);

		await execute.call(context, 1);

		expect(request.mock.calls[0][1].body).toMatchObject({ task: 'task 1', input: { n: 1 } });
		expect(request.mock.calls[0][2]).toBe(1);
	});

	it('parses a JSON input typed in, or takes the value an expression produced', async () => {
		await execute.call(startWith({ inputSource: 'json', input: '{"files": ["x.ts"]}' }), 0);
		await execute.call(startWith({ inputSource: 'json', input: { from: 'expression' } }), 0);

		expect(request.mock.calls[0][1].body).toMatchObject({ input: { files: ['x.ts'] } });
		expect(request.mock.calls[1][1].body).toMatchObject({ input: { from: 'expression' } });
	});

	it('names the field when the JSON input does not parse', async () => {
		const context = startWith({ inputSource: 'json', input: '{files:' });

		await expect(execute.call(context, 0)).rejects.toThrow('Input JSON is not valid JSON');
		expect(request).not.toHaveBeenCalled();
	});

	it('sends my script, tools, workspace, plan approval, models, limits and callback', async () => {
		const context = startWith({
			scriptMode: 'script',
			script: 'return args;',
			tools: ['read_file', 'grep'],
			workspace: ' repo-a ',
			approvePlan: true,
			limits: { maxParallel: 4, maxUsd: 2.5 },
			options: {
				model: 'claude-sonnet-4-5',
				agentModel: 'claude-haiku-4-5',
				callbackUrl: 'https://hooks.example.com/done',
				callbackEvents: ['converged', 'failed'],
			},
		});

		await execute.call(context, 0);

		expect(request.mock.calls[0][1].body).toEqual({
			task: 'Audit the auth module',
			input: { files: ['a.ts', 'b.ts'] },
			script: 'return args;',
			options: {
				approvePlan: true,
				tools: ['read_file', 'grep'],
				workspace: 'repo-a',
				model: 'claude-sonnet-4-5',
				agentModel: 'claude-haiku-4-5',
				limits: { maxParallel: 4, maxUsd: 2.5 },
			},
			callback: { url: 'https://hooks.example.com/done', events: ['converged', 'failed'] },
		});
	});

	it('adds the Allowed MCP Tools to the tools, split at commas and spaces, duplicates dropped', async () => {
		await execute.call(
			startWith({
				tools: ['read_file'],
				mcpTools: ' mcp__n8n__*, mcp__files__read_file,,mcp__n8n__* ',
			}),
			0,
		);

		expect(request.mock.calls[0][1].body).toMatchObject({
			options: { tools: ['read_file', 'mcp__n8n__*', 'mcp__files__read_file'] },
		});
	});

	it('leaves the script out in generate mode, so the sidecar plans one', async () => {
		await execute.call(startWith({ scriptMode: 'generate', script: 'return 1;' }), 0);

		expect(request.mock.calls[0][1].body).not.toHaveProperty('script');
	});

	it('refuses an empty task or an empty script of its own before calling the sidecar', async () => {
		await expect(execute.call(startWith({ task: '  ' }), 0)).rejects.toBeInstanceOf(
			NodeOperationError,
		);
		await expect(
			execute.call(startWith({ scriptMode: 'script', script: '\n' }), 0),
		).rejects.toThrow('Script Code is empty');
		expect(request).not.toHaveBeenCalled();
	});

	describe('with a saved workflow', () => {
		it("sends the workflow's name and no script; an empty task is left to the sidecar", async () => {
			await execute.call(startWith({ scriptMode: 'workflow', workflow: 'audit', task: '' }), 0);

			expect(request.mock.calls[0][1]).toEqual({
				method: 'POST',
				path: '/v1/runs',
				body: {
					workflow: 'audit',
					input: { files: ['a.ts', 'b.ts'] },
					options: { approvePlan: false, tools: [] },
				},
			});
		});

		it('keeps a task that is given', async () => {
			await execute.call(startWith({ scriptMode: 'workflow', workflow: 'audit' }), 0);

			expect(request.mock.calls[0][1].body).toMatchObject({
				task: 'Audit the auth module',
				workflow: 'audit',
			});
			expect(request.mock.calls[0][1].body).not.toHaveProperty('script');
		});

		it('refuses a missing workflow name before calling the sidecar', async () => {
			await expect(
				execute.call(startWith({ scriptMode: 'workflow', workflow: ' ' }), 0),
			).rejects.toThrow('No saved workflow chosen');
			expect(request).not.toHaveBeenCalled();
		});
	});
});
