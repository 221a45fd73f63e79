import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context';
import { buildOpenApiDocument } from '../openapi';

export function openApiRoutes(app: FastifyInstance, ctx: HttpContext): void {
  let document: Record<string, unknown> | null = null;
  app.get(
    '/openapi.json',
    {
      config: {
        docs: {
          operationId: 'openapi',
          summary: 'This OpenAPI 3.1 document',
          tags: ['service'],
          responses: { '200': { description: 'The document', mediaType: 'application/json' } },
        },
      },
    },
    // Built on first use: by then every route, plugins' included, has been collected.
    async () => (document ??= buildOpenApiDocument(ctx.catalog, ctx.version)),
  );
}
