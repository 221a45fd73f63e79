import { Workflow, type INodeTypes } from 'n8n-workflow';

import { DynamicWorkflowsApi } from '../../credentials/DynamicWorkflowsApi.credentials';

const credential = new DynamicWorkflowsApi();

/**
 * Resolves a credential expression the way n8n's CredentialsHelper does: with the decrypted
 * credential as `$credentials`, through n8n-workflow's own expression engine.
 */
function resolve(expression: string, credentials: Record<string, string>): unknown {
  const nodeTypes: INodeTypes = {
    getByName: () => undefined as never,
    getByNameAndVersion: () => undefined as never,
    getKnownTypes: () => ({}),
  };
  const workflow = new Workflow({
    nodes: [{ id: 'n', name: 'Node', type: 'test.none', typeVersion: 1, position: [0, 0], parameters: {} }],
    connections: {},
    active: false,
    nodeTypes,
  });
  return workflow.expression.getParameterValue(expression, null, 0, 0, 'Node', [], 'internal', {
    $credentials: credentials,
  });
}

describe('Dynamic Workflows API credential', () => {
  it('is named dynamicWorkflowsApi, with base URL (defaulting to the local sidecar), token and callback secret', () => {
    expect(credential.name).toBe('dynamicWorkflowsApi');
    const fields = Object.fromEntries(credential.properties.map((p) => [p.name, p]));
    expect(Object.keys(fields)).toEqual(['baseUrl', 'token', 'callbackSecret']);
    expect(fields.baseUrl.default).toBe('http://127.0.0.1:7420');
    expect(fields.token.typeOptions?.password).toBe(true);
    expect(fields.callbackSecret.typeOptions?.password).toBe(true);
  });

  it('authenticates with the token as a bearer token', () => {
    const header = credential.authenticate.properties.headers?.Authorization;

    expect(resolve(String(header), { token: 'tok-123' })).toBe('Bearer tok-123');
  });

  it('tests the credential by listing one run, which needs a valid token', () => {
    const { request } = credential.test;

    expect(request.method ?? 'GET').toBe('GET');
    expect(request.url).toBe('/v1/runs');
    expect(request.qs).toEqual({ limit: 1 });
    expect(resolve(String(request.baseURL), { baseUrl: 'http://127.0.0.1:7420/' })).toBe('http://127.0.0.1:7420');
    expect(resolve(String(request.baseURL), { baseUrl: 'https://dw.example.com' })).toBe('https://dw.example.com');
  });
});
