import { NodeApiError } from 'n8n-workflow';

import {
	SIDECAR_UNREACHABLE,
	SIDECAR_UNREACHABLE_HINT,
	SidecarApiError,
} from '../../../../nodes/common/transport/errors';
import { sidecarRequest } from '../../../../nodes/common/transport/request';
import { fakeExecuteContext, TEST_NODE } from '../../support/fake-execute-context';

describe('SidecarApiError', () => {
	it('explains Docker networking when the sidecar cannot be reached', () => {
		const error = new SidecarApiError(
			TEST_NODE,
			{
				code: SIDECAR_UNREACHABLE,
				message:
					'Could not reach the dynamic-workflows sidecar at http://127.0.0.1:7420: connect ECONNREFUSED 127.0.0.1:7420',
			},
			{ httpStatus: null, request: 'POST /v1/runs', itemIndex: 0 },
		);

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.code).toBe('sidecar_unreachable');
		// The message stays as given (NodeApiError would swap one naming ECONNREFUSED for a generic one).
		expect(error.message).toContain('http://127.0.0.1:7420');
		expect(error.message).toContain('ECONNREFUSED');
		const description = error.description ?? '';
		expect(description).toContain('Sidecar error "sidecar_unreachable" on POST /v1/runs');
		expect(description).toContain(SIDECAR_UNREACHABLE_HINT);
		// Inside n8n's container, loopback is the container itself, not the sidecar …
		expect(description).toMatch(/127\.0\.0\.1 and\s+localhost there are the n8n container itself/);
		expect(description).toContain('not the sidecar');
		// … so the credential names the sidecar's service or the Docker host.
		expect(description).toContain('http://sidecar:7420');
		expect(description).toContain('http://host.docker.internal:7420');
		expect(description).toContain('DW_HOST=0.0.0.0');
	});

	it('keeps the description of an answer the sidecar gave to its code, status and request', () => {
		const error = new SidecarApiError(
			TEST_NODE,
			{ code: 'run_not_found', message: 'No run with id r-9' },
			{ httpStatus: 404, request: 'GET /v1/runs/r-9' },
		);

		expect(error.description).toBe('Sidecar error "run_not_found" (HTTP 404) on GET /v1/runs/r-9');
		expect(error.description).not.toContain('Docker');
		expect(error.httpCode).toBe('404');
	});

	it('reaches the user through sidecarRequest when the connection is refused', async () => {
		const context = fakeExecuteContext({
			params: {},
			credentials: { baseUrl: 'http://localhost:7420', token: 'secret-token' },
		});
		context.httpRequestWithAuthentication.mockImplementation(async () => {
			throw new Error('connect ECONNREFUSED 127.0.0.1:7420');
		});

		const error = (await sidecarRequest(context, { method: 'GET', path: '/v1/runs' }).catch(
			(e: unknown) => e,
		)) as SidecarApiError;

		expect(error).toBeInstanceOf(SidecarApiError);
		expect(error.code).toBe('sidecar_unreachable');
		expect(error.message).toContain('http://localhost:7420');
		expect(error.description).toContain('http://sidecar:7420');
		expect(error.description).toContain('host.docker.internal');
	});
});
