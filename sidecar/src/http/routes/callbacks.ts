import type { FastifyInstance } from 'fastify';
import type { CallbackSpec } from '../../core/types';
import type { HttpContext } from '../context';
import { callbackBody, runParams } from '../schemas/requests';

export function callbacksRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post<{ Params: { id: string }; Body: CallbackSpec }>(
    '/v1/runs/:id/callbacks',
    {
      schema: { params: runParams, body: callbackBody },
      config: {
        docs: {
          operationId: 'registerCallback',
          summary: 'Register a URL to be called when the run reaches one of `events`',
          description:
            'Delivered at once when the run is already in one of them. Registering the same URL again replaces its events. ' +
            'Only hosts the operator allows (DW_CALLBACK_HOSTS) are accepted: 400 `callback_host_not_allowed` otherwise; ' +
            'a run has at most 5 callback URLs: 409 `callback_limit` beyond. ' +
            'Deliveries are signed (`x-dw-timestamp`, `x-dw-signature: sha256=<hex HMAC over "<timestamp>.<URL path>.<body>">`), persisted and retried.',
          tags: ['callbacks'],
          responses: { '201': { description: 'The registration', schema: 'CallbackRegistration' } },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      ctx.engine.get(id);
      const reg = await ctx.callbacks.register(id, request.body);
      return reply.code(201).send({ id: reg.id, url: reg.url, events: reg.events });
    },
  );
}
