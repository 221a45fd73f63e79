import { RUN_LIMITS } from '../../src/core/limits';
import { AUTH, makeHarness, testConfig, type Harness } from './harness';
import { ROUTES } from './routes-table';

type Doc = {
  openapi: string;
  info: { version: string };
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        security?: unknown[];
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
        parameters: Array<{ name: string; in: string }>;
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

describe('GET /openapi.json', () => {
  let h: Harness;
  let doc: Doc;
  beforeAll(async () => {
    h = makeHarness({ config: testConfig({ DW_MAX_PARALLEL_CEILING: '64', DW_MAX_PARALLEL: '8' }) });
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json', headers: AUTH });
    expect(res.statusCode).toBe(200);
    doc = res.json<Doc>();
  });
  afterAll(() => h.close());

  const toOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

  it('is OpenAPI 3.1 with the sidecar version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('9.9.9-test');
  });

  it('documents exactly the routes of the API, each with a unique operationId', () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${toOpenApi(r.path)}`).sort());
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes requests with the schemas that validate them', () => {
    const start = doc.paths['/v1/runs']!.post!.requestBody!.content['application/json']!.schema as {
      anyOf: { required: string[] }[];
      properties: {
        task: { maxLength: number };
        options: { properties: { limits: { properties: { maxParallel: { maximum: number } } } } };
      };
    };
    // A task, or a saved workflow (which brings its description as the task).
    expect(start.anyOf.map((s) => s.required)).toEqual([['task'], ['workflow']]);
    expect(start.properties.task.maxLength).toBe(100_000);
    expect(start.properties.options.properties.limits.properties.maxParallel.maximum).toBe(RUN_LIMITS.maxParallel.max);
    const agents = doc.paths['/v1/runs/{id}/agents']!.get!.parameters.map((p) => `${p.in}:${p.name}`);
    expect(agents).toEqual(['path:id', 'query:status', 'query:offset', 'query:limit']);
  });

  it('marks only /healthz as open, and every $ref resolves', () => {
    const open = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, o]) => Array.isArray(o.security) && o.security.length === 0)
        .map(([m]) => `${m} ${p}`),
    );
    expect(open).toEqual(['get /healthz']);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
      expect(name && doc.components.schemas[name]).toBeTruthy();
    }
  });
});
