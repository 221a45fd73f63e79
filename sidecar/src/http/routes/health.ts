import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context';

export function healthRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get(
    '/healthz',
    {
      config: {
        public: true,
        docs: {
          operationId: 'health',
          summary: 'Liveness and version (no token needed)',
          tags: ['service'],
          responses: { '200': { description: 'The sidecar is up', schema: 'Health' } },
        },
      },
    },
    async () => ({ ok: true, version: ctx.version }),
  );
}
