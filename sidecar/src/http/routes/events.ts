import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context';
import { eventsQuery, runParams } from '../schemas/requests';
import { resumeAfter, streamEvents } from '../sse';

const TAGS = ['events'];
const description =
  'Server-Sent Events: `id: <event id>`, `event: <event.type>`, `data: <the stored event as JSON>`. ' +
  'Replays every event after `Last-Event-ID` (header, or `?lastEventId=`), then streams live ones; a comment line every 15 s keeps the connection open.';
const sseResponse = { '200': { description: 'An endless text/event-stream', mediaType: 'text/event-stream' } };

export function eventsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get<{ Params: { id: string }; Querystring: { lastEventId?: number } }>(
    '/v1/runs/:id/events',
    {
      schema: { params: runParams, querystring: eventsQuery },
      // A HEAD twin would run the streaming handler and never end.
      exposeHeadRoute: false,
      config: { docs: { operationId: 'streamRunEvents', summary: 'Events of one run', description, tags: TAGS, responses: sseResponse } },
    },
    async (request, reply) => {
      const { id } = request.params;
      await ctx.engine.get(id);
      const afterId = resumeAfter(request.headers['last-event-id'], request.query.lastEventId);
      await streamEvents({ request, reply, engine: ctx.engine, runId: id, afterId, options: ctx.sse, hub: ctx.hub });
    },
  );

  app.get<{ Querystring: { lastEventId?: number } }>(
    '/v1/events',
    {
      schema: { querystring: eventsQuery },
      exposeHeadRoute: false,
      config: { docs: { operationId: 'streamAllEvents', summary: 'Events of every run', description, tags: TAGS, responses: sseResponse } },
    },
    async (request, reply) => {
      const afterId = resumeAfter(request.headers['last-event-id'], request.query.lastEventId);
      await streamEvents({ request, reply, engine: ctx.engine, runId: null, afterId, options: ctx.sse, hub: ctx.hub });
    },
  );
}
