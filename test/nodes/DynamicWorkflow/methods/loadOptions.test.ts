import type { ILoadOptionsFunctions } from 'n8n-workflow';

import { DynamicWorkflow } from '../../../../nodes/DynamicWorkflow/DynamicWorkflow.node';
import { getSavedWorkflows } from '../../../../nodes/DynamicWorkflow/methods/loadOptions';
import { fakeExecuteContext } from '../../support/fake-execute-context';

/** The load-options context shares what the transport uses with the execute context: credentials, node, HTTP. */
function loadOptionsContext(response: { statusCode: number; body: unknown }) {
	const context = fakeExecuteContext({ params: {} });
	context.httpRequestWithAuthentication.mockResolvedValue({ headers: {}, ...response });
	return context;
}

describe('getSavedWorkflows (Start: Saved Workflow)', () => {
	it('lists the valid saved workflows from GET /v1/workflows, with what they are for', async () => {
		const context = loadOptionsContext({
			statusCode: 200,
			body: {
				workflows: [
					{
						name: 'audit',
						description: 'Audit files',
						whenToUse: 'before a release',
						phases: [],
						valid: true,
					},
					{ name: 'bare', description: null, whenToUse: null, phases: [], valid: true },
					{
						name: 'broken',
						description: null,
						whenToUse: null,
						phases: [],
						valid: false,
						error: { code: 'script_invalid', message: 'x' },
					},
				],
			},
		});

		const options = await getSavedWorkflows.call(context as unknown as ILoadOptionsFunctions);

		expect(options).toEqual([
			{ name: 'audit', value: 'audit', description: 'Audit files — before a release' },
			{ name: 'bare', value: 'bare' },
		]);
		expect(context.httpRequestWithAuthentication).toHaveBeenCalledWith(
			'dynamicWorkflowsApi',
			expect.objectContaining({ method: 'GET', url: 'http://sidecar.test:7420/v1/workflows' }),
		);
	});

	it("passes the sidecar's error on, with its code", async () => {
		const context = loadOptionsContext({
			statusCode: 401,
			body: { error: { code: 'unauthorized', message: 'Missing or invalid bearer token' } },
		});

		await expect(
			getSavedWorkflows.call(context as unknown as ILoadOptionsFunctions),
		).rejects.toMatchObject({ code: 'unauthorized' });
	});

	it('is the method the node declares for the field', () => {
		const node = new DynamicWorkflow();
		const field = node.description.properties.find((p) => p.name === 'workflow');
		expect(field?.typeOptions?.loadOptionsMethod).toBe('getSavedWorkflows');
		expect(node.methods.loadOptions.getSavedWorkflows).toBe(getSavedWorkflows);
	});
});
