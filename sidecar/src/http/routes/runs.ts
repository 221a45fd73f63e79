import type { FastifyInstance } from 'fastify';
import type { ListRunsQuery } from '../../engine/api';
import type { CallbackSpec, RunRecord, RunSpec } from '../../core/types';
import type { HttpContext } from '../context';
import { ScriptNotReadyError } from '../errors';
import { listRunsQuery, runParams, startBody } from '../schemas/requests';

interface IdParams {
  readonly id: string;
}

const TAGS = ['runs'];

export function runsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { engine } = ctx;

  app.post<{ Body: RunSpec }>(
    '/v1/runs',
    {
      schema: { body: startBody() },
      config: {
        docs: {
          operationId: 'startRun',
          summary: 'Start a run',
          description:
            'Returns at once. With `script` the planner is skipped; with `callback` the URL is registered as by POST /v1/runs/{id}/callbacks.',
          tags: TAGS,
          responses: { '201': { description: 'The new run', schema: 'RunRecord' } },
        },
      },
    },
    async (request, reply) => {
      const spec = request.body;
      // Checked before the run exists (shape and host), so a bad callback never leaves a run nobody hears from.
      if (spec.callback) await ctx.callbacks.check(spec.callback);
      const run = await engine.start(spec);
      if (spec.callback) await registerOrCancel(ctx, run, spec.callback);
      return reply.code(201).send(run);
    },
  );

  app.get<{ Querystring: ListRunsQuery }>(
    '/v1/runs',
    {
      schema: { querystring: listRunsQuery },
      config: {
        docs: {
          operationId: 'listRuns',
          summary: 'List runs, newest first',
          tags: TAGS,
          responses: { '200': { description: 'One page of runs', schema: 'RunList' } },
        },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const page = await engine.list({ ...(status ? { status } : {}), ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
      return { runs: page.runs, nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: IdParams }>(
    '/v1/runs/:id',
    {
      schema: { params: runParams },
      config: {
        docs: {
          operationId: 'getRun',
          summary: 'A run: status, phase, counts, usage, result or error',
          tags: TAGS,
          responses: { '200': { description: 'The run', schema: 'RunRecord' } },
        },
      },
    },
    async (request) => engine.get(request.params.id),
  );

  app.get<{ Params: IdParams }>(
    '/v1/runs/:id/script',
    {
      schema: { params: runParams },
      config: {
        docs: {
          operationId: 'getRunScript',
          summary: "The run's script",
          description: '404 `script_not_ready` while the run is still being planned.',
          tags: TAGS,
          responses: { '200': { description: 'The script', mediaType: 'text/javascript' } },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await engine.get(id);
      const script = await engine.script(id);
      if (script === null) throw new ScriptNotReadyError(id);
      return reply.type('text/javascript; charset=utf-8').header('content-disposition', `inline; filename="${id}.js"`).send(script);
    },
  );
}

/** Registers the start body's callback; if that fails now (its host stopped resolving), the run is cancelled, not left unheard. */
async function registerOrCancel(ctx: HttpContext, run: RunRecord, callback: CallbackSpec): Promise<void> {
  try {
    await ctx.callbacks.register(run.id, callback);
  } catch (err) {
    await ctx.engine.cancel(run.id, 'Its callback could not be registered').catch(() => undefined);
    throw err;
  }
}
