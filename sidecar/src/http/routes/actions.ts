import type { FastifyInstance } from 'fastify';
import type { RunRecord } from '../../core/types';
import type { HttpContext } from '../context';
import type { RouteDocs } from '../openapi';
import { approveBody, cancelBody, emptyBody, rerunBody, runParams, type JsonSchema } from '../schemas/requests';

interface IdParams {
  readonly id: string;
}

const TAGS = ['actions'];
const runResponse = { '200': { description: 'The run, updated', schema: 'RunRecord' } };

export function actionsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { engine } = ctx;

  const action = <B>(
    path: string,
    body: JsonSchema,
    docs: RouteDocs,
    run: (id: string, body: B) => Promise<RunRecord>,
    status = 200,
  ): void => {
    app.post<{ Params: IdParams; Body: B | null }>(
      `/v1/runs/:id/${path}`,
      { schema: { params: runParams, body }, config: { docs } },
      async (request, reply) => reply.code(status).send(await run(request.params.id, (request.body ?? {}) as B)),
    );
  };

  action<{ reason?: string }>(
    'cancel',
    cancelBody,
    { operationId: 'cancelRun', summary: 'Stop a run: no new agents, in-flight ones aborted', tags: TAGS, responses: runResponse },
    (id, b) => engine.cancel(id, b.reason),
  );
  action<{ approved: boolean; comment?: string }>(
    'approve',
    approveBody,
    { operationId: 'approveRun', summary: 'Decide the plan gate of a run awaiting approval', tags: TAGS, responses: runResponse },
    (id, b) => engine.approve(id, { approved: b.approved, ...(b.comment !== undefined ? { comment: b.comment } : {}) }),
  );
  action<{ script?: string; input?: unknown }>(
    'rerun',
    rerunBody,
    {
      operationId: 'rerunRun',
      summary: "Start a new run from this run's script (or an edited one), reusing matching journal entries",
      tags: TAGS,
      responses: { '201': { description: 'The new run', schema: 'RunRecord' } },
    },
    (id, b) => engine.rerun(id, { ...(b.script !== undefined ? { script: b.script } : {}), ...('input' in b ? { input: b.input } : {}) }),
    201,
  );
  action(
    'pause',
    emptyBody,
    { operationId: 'pauseRun', summary: 'Stop dispatching new agents (in-flight ones finish)', tags: TAGS, responses: runResponse },
    (id) => engine.pause(id),
  );
  action(
    'resume',
    emptyBody,
    { operationId: 'resumeRun', summary: 'Dispatch agents again after a pause', tags: TAGS, responses: runResponse },
    (id) => engine.resume(id),
  );
}
