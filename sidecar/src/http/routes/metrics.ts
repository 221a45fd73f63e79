import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context';

export function metricsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get(
    '/metrics',
    {
      config: {
        docs: {
          operationId: 'metrics',
          summary: 'Prometheus metrics: runs by state, agents in flight, tokens, cost, model errors',
          tags: ['service'],
          responses: { '200': { description: 'Prometheus text format', mediaType: 'text/plain' } },
        },
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await ctx.metrics.render();
      return reply.type(contentType).send(body);
    },
  );
}
