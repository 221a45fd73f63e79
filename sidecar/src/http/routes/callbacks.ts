import type { FastifyInstance } from 'fastify';
import { redactUrl } from '../../callbacks/spec';
import type { CallbackGroup, CallbackGroupSpec } from '../../callbacks/types';
import type { CallbackSpec } from '../../core/types';
import { CallbackGroupNotFoundError } from '../../callbacks/errors';
import type { HttpContext } from '../context';
import { callbackBody, callbackGroupBody, groupParams, runParams } from '../schemas/requests';

/** A group as the API shows it: its URL without the query (n8n's resume URLs carry their signature there). */
function groupView(g: CallbackGroup, met: boolean) {
  return { ...g, url: redactUrl(g.url), met };
}

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
      await ctx.engine.get(id);
      const reg = await ctx.callbacks.register(id, request.body);
      return reply.code(201).send({ id: reg.id, url: reg.url, events: reg.events });
    },
  );

  app.post<{ Body: CallbackGroupSpec }>(
    '/v1/callbacks',
    {
      schema: { body: callbackGroupBody },
      config: {
        docs: {
          operationId: 'registerCallbackGroup',
          summary: 'Register ONE callback for a set of runs, delivered once when `wait` holds (fan-in)',
          description:
            '`wait`: `all` (every run has ended), `any` (`count` runs have ended), `first` (a run converged; when every run ends ' +
            'without one converging, the callback comes with all of them). A run has ended when its status is one of `events`. ' +
            'The body POSTed is a `GroupPayload`: every distinct run as `{runId, status, result?, error?, usage, ended}`, runs that ' +
            'have not ended with their current status. Signed, persisted, retried and delivered once like a run callback. ' +
            'Unknown runs: 404 `run_not_found` naming them; more than 1000 run ids: 422 `callback_group_limit`; another group ' +
            'already registered for the URL: 409 `callback_group_exists` (the same group again answers 200 with it). ' +
            'With `ifAlreadyMet: answer` and the condition already met, nothing is registered and the answer is 200 `{met: true, payload}`.',
          tags: ['callbacks'],
          responses: {
            '201': { description: 'The group, registered (`met`: its delivery is already enqueued)', schema: 'CallbackGroup' },
            '200': {
              description: 'The same group registered before, or `{met: true, payload}` (`ifAlreadyMet: answer`)',
              schema: 'CallbackGroup',
            },
            '404': { description: 'Runs that do not exist (`run_not_found`, naming them)', schema: 'ErrorBody' },
            '409': { description: 'Another group is registered for this URL (`callback_group_exists`)', schema: 'ErrorBody' },
            '422': { description: 'More run ids than a group may name (`callback_group_limit`)', schema: 'ErrorBody' },
          },
        },
      },
    },
    async (request, reply) => {
      const outcome = await ctx.callbacks.registerGroup(request.body);
      if (!outcome.registered) return reply.code(200).send({ met: true, payload: outcome.payload });
      return reply.code(outcome.created ? 201 : 200).send(groupView(outcome.group, outcome.met));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/callbacks/:id',
    {
      schema: { params: groupParams },
      config: {
        docs: {
          operationId: 'getCallbackGroup',
          summary: 'A callback group and the state of its one delivery',
          tags: ['callbacks'],
          responses: {
            '200': { description: 'The group', schema: 'CallbackGroup' },
            '404': { description: 'No such group (`callback_group_not_found`)', schema: 'ErrorBody' },
          },
        },
      },
    },
    async (request) => {
      const group = await ctx.callbacks.group(request.params.id);
      if (!group) throw new CallbackGroupNotFoundError(request.params.id);
      return groupView(group, group.state !== 'open');
    },
  );
}
