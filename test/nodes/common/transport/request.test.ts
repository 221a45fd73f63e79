import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { SidecarApiError } from '../../../../nodes/common/transport/errors';
import { sidecarRequest } from '../../../../nodes/common/transport/request';
import { fakeExecuteContext } from '../../support/fake-execute-context';

function contextAnswering(
	response: { statusCode: number; body: unknown } | Error,
	baseUrl = 'http://sidecar.test:7420/',
) {
	const context = fakeExecuteContext({
		params: {},
		credentials: { baseUrl, token: 'secret-token' },
	});
	context.httpRequestWithAuthentication.mockImplementation(async () => {
		if (response instanceof Error) throw response;
		return { headers: {}, statusMessage: '', ...response };
	});
	return context;
}

describe('sidecarRequest', () => {
	it('sends the request through the credential, against the base URL without its trailing slash', async () => {
		const context = contextAnswering({ statusCode: 200, body: { runs: [], nextCursor: null } });

		const body = await sidecarRequest(context, {
			method: 'GET',
			path: '/v1/runs',
			qs: { limit: 5 },
		});

		expect(body).toEqual({ runs: [], nextCursor: null });
		expect(context.httpRequestWithAuthentication).toHaveBeenCalledTimes(1);
		const [credentialType, options] = context.httpRequestWithAuthentication.mock.calls[0];
		expect(credentialType).toBe('dynamicWorkflowsApi');
		expect(options).toMatchObject({
			method: 'GET',
			url: 'http://sidecar.test:7420/v1/runs',
			qs: { limit: 5 },
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		});
		expect(context.httpRequestWithAuthentication.mock.contexts[0]).toBe(context);
	});

	it("turns the sidecar's {error: {code, message}} into a NodeApiError with that code and message", async () => {
		const message = 'USD budget exhausted: $25.0100 of $25 spent (maxUsd)';
		const context = contextAnswering({
			statusCode: 422,
			body: { error: { code: 'budget_usd', message } },
		});

		const error = await sidecarRequest(
			context,
			{ method: 'POST', path: '/v1/runs', body: {} },
			3,
		).catch((e: unknown) => e);

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error).toBeInstanceOf(SidecarApiError);
		const apiError = error as SidecarApiError;
		expect(apiError.message).toBe(message);
		expect(apiError.code).toBe('budget_usd');
		expect(apiError.httpCode).toBe('422');
		expect(apiError.description).toContain('budget_usd');
		expect(apiError.context.itemIndex).toBe(3);
	});

	it('reads an error body that arrives as text, as on the text/javascript script route', async () => {
		const body = JSON.stringify({
			error: { code: 'run_not_found', message: 'No run with id r-9' },
		});
		const context = contextAnswering({ statusCode: 404, body });

		const error = (await sidecarRequest(context, {
			method: 'GET',
			path: '/v1/runs/r-9/script',
			text: true,
		}).catch((e: unknown) => e)) as SidecarApiError;

		expect(error.code).toBe('run_not_found');
		expect(error.message).toBe('No run with id r-9');
	});

	it('names the HTTP status when a failure has no sidecar error body', async () => {
		const context = contextAnswering({ statusCode: 502, body: '<html>Bad gateway</html>' });

		const error = (await sidecarRequest(context, { method: 'GET', path: '/v1/runs' }).catch(
			(e: unknown) => e,
		)) as SidecarApiError;

		expect(error.code).toBe('http_502');
		expect(error.message).toContain('502');
	});

	it('reports a sidecar it cannot reach with the base URL and the reason', async () => {
		const context = contextAnswering(new Error('connect ECONNREFUSED 127.0.0.1:7420'));

		const error = (await sidecarRequest(context, { method: 'GET', path: '/v1/runs' }, 1).catch(
			(e: unknown) => e,
		)) as SidecarApiError;

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.code).toBe('sidecar_unreachable');
		expect(error.message).toContain('http://sidecar.test:7420');
		expect(error.message).toContain('ECONNREFUSED');
		expect(error.context.itemIndex).toBe(1);
	});

	it('returns text as text in text mode', async () => {
		const context = contextAnswering({ statusCode: 200, body: 'return 1;\n' });

		const script = await sidecarRequest<string>(context, {
			method: 'GET',
			path: '/v1/runs/r/script',
			text: true,
		});

		expect(script).toBe('return 1;\n');
		expect(context.httpRequestWithAuthentication.mock.calls[0][1]).toMatchObject({
			json: false,
			encoding: 'text',
		});
	});

	it('refuses a JSON route that answers with something other than a JSON object', async () => {
		const context = contextAnswering({ statusCode: 200, body: 'not json' });

		await expect(
			sidecarRequest(context, { method: 'GET', path: '/v1/runs/r' }),
		).rejects.toBeInstanceOf(NodeOperationError);
	});

	it('refuses a base URL without http(s) before sending anything', async () => {
		const context = contextAnswering({ statusCode: 200, body: {} }, 'sidecar:7420');

		await expect(sidecarRequest(context, { method: 'GET', path: '/v1/runs' })).rejects.toThrow(
			/base URL/,
		);
		expect(context.httpRequestWithAuthentication).not.toHaveBeenCalled();
	});
});
