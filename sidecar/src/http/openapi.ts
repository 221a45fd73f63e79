import type { RouteOptions } from 'fastify';
import { COMPONENT_SCHEMAS } from './schemas/records';
import type { JsonSchema } from './schemas/requests';

/** What /openapi.json says about a route beyond its request schemas. */
export interface RouteDocs {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Success responses by status: a component schema name, or a media type for non-JSON bodies. */
  readonly responses: Readonly<Record<string, { readonly description: string; readonly schema?: string; readonly mediaType?: string }>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    docs?: RouteDocs;
  }
}

export interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: Readonly<Record<string, unknown>> | undefined;
  readonly docs: RouteDocs | undefined;
  readonly public: boolean;
}

/** Fed from fastify's onRoute hook, so the document lists exactly the routes that exist. */
export class RouteCatalog {
  readonly routes: CollectedRoute[] = [];

  collect(opts: RouteOptions): void {
    for (const method of Array.isArray(opts.method) ? opts.method : [opts.method]) {
      this.routes.push({
        method: String(method).toUpperCase(),
        url: opts.url,
        schema: opts.schema as Readonly<Record<string, unknown>> | undefined,
        docs: opts.config?.docs,
        public: opts.config?.public === true,
      });
    }
  }

  /** Methods registered for a concrete path, for 405 answers. */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes) if (patternMatches(r.url, path)) methods.add(r.method);
    return [...methods].sort();
  }
}

function patternMatches(pattern: string, path: string): boolean {
  const p = pattern.split('/');
  const s = path.split('?')[0]?.split('/') ?? [];
  return p.length === s.length && p.every((seg, i) => (seg.startsWith(':') ? (s[i] ?? '') !== '' : seg === s[i]));
}

// The ajv-only keyword becomes a vendor extension, which OpenAPI tools ignore gracefully.
function forDocs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forDocs);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k === 'maxDepth' ? 'x-maxDepth' : k, forDocs(v)]));
}

function parameters(schema: unknown, location: 'path' | 'query'): unknown[] {
  const s = schema as { properties?: Record<string, JsonSchema>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  return Object.entries(s.properties).map(([name, prop]) => ({
    name,
    in: location,
    required: location === 'path' || (s.required ?? []).includes(name),
    schema: forDocs(prop),
    ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

function operation(route: CollectedRoute & { docs: RouteDocs }): Record<string, unknown> {
  const { docs, schema } = route;
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(docs.responses)) {
    const content = r.mediaType
      ? { [r.mediaType]: { schema: { type: 'string' } } }
      : r.schema
        ? { 'application/json': { schema: { $ref: `#/components/schemas/${r.schema}` } } }
        : undefined;
    responses[status] = { description: r.description, ...(content ? { content } : {}) };
  }
  if (schema?.body || schema?.querystring || schema?.params)
    responses['400'] = errorResponse('Invalid request (`invalid_request`, `invalid_json`)');
  if (!route.public) responses['401'] = errorResponse('Missing or wrong bearer token (`unauthorized`)');
  if (route.url.includes(':id')) responses['404'] ??= errorResponse('No such run (`run_not_found`)');
  if (route.url.includes(':name')) responses['404'] ??= errorResponse('No such saved workflow (`workflow_not_found`)');
  responses.default = errorResponse('Any other error, as `{error: {code, message}}`');
  const body = schema?.body as { type?: unknown } | undefined;
  return {
    operationId: docs.operationId,
    summary: docs.summary,
    ...(docs.description ? { description: docs.description } : {}),
    tags: docs.tags,
    parameters: [...parameters(schema?.params, 'path'), ...parameters(schema?.querystring, 'query')],
    ...(body
      ? {
          requestBody: {
            required: !(Array.isArray(body.type) && body.type.includes('null')),
            content: { 'application/json': { schema: forDocs(body) } },
          },
        }
      : {}),
    responses,
    ...(route.public ? { security: [] } : {}),
  };
}

/** The OpenAPI 3.1 document of every documented route, built from the same schemas that validate requests. */
export function buildOpenApiDocument(catalog: RouteCatalog, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of catalog.routes) {
    // Fastify's HEAD twin of every GET is not a separate operation.
    if (!route.docs || route.method === 'HEAD') continue;
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation({ ...route, docs: route.docs });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'dynamic-workflows sidecar',
      version,
      description: 'Plans, runs and verifies dynamic workflows. Errors are `{error: {code, message}}`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: forDocs(COMPONENT_SCHEMAS),
    },
    security: [{ bearer: [] }],
    paths,
  };
}
