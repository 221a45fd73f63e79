import type { FastifyInstance } from 'fastify';
import type { SaveWorkflowRequest } from '../../engine/api';
import type { SavedWorkflow, SavedWorkflowSummary } from '../../store/workflows';
import type { HttpContext } from '../context';
import { saveWorkflowBody, workflowParams } from '../schemas/requests';

interface NameParams {
  readonly name: string;
}

const TAGS = ['workflows'];

const summary = (w: SavedWorkflow): SavedWorkflowSummary => {
  const { script: _script, ...rest } = w;
  return rest;
};

/** Saved workflows (DW_WORKFLOWS_DIR): named scripts, run with `POST /v1/runs {workflow}` or called with workflow(). */
export function workflowsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { workflows } = ctx.engine;

  app.get(
    '/v1/workflows',
    {
      config: {
        docs: {
          operationId: 'listWorkflows',
          summary: 'List the saved workflows, by name',
          description: 'Each with the meta read from its script; a file that fails the script check is listed with `valid: false`.',
          tags: TAGS,
          responses: { '200': { description: 'The saved workflows', schema: 'WorkflowList' } },
        },
      },
    },
    async () => ({ workflows: workflows.list() }),
  );

  app.post<{ Body: SaveWorkflowRequest }>(
    '/v1/workflows',
    {
      schema: { body: saveWorkflowBody },
      config: {
        docs: {
          operationId: 'saveWorkflow',
          summary: 'Save a script under a name',
          description:
            "The body has `script`, or `fromRun` (a run id) to save that run's script. The script passes the same check as a run's (`script_invalid`). An existing name is 409 `workflow_exists` unless `replace: true`.",
          tags: TAGS,
          responses: {
            '201': { description: 'Saved under a new name', schema: 'SavedWorkflow' },
            '200': { description: 'Replaced', schema: 'SavedWorkflow' },
          },
        },
      },
    },
    async (request, reply) => {
      const { workflow, created } = await workflows.save(request.body);
      return reply.code(created ? 201 : 200).send(summary(workflow));
    },
  );

  app.get<{ Params: NameParams }>(
    '/v1/workflows/:name',
    {
      schema: { params: workflowParams },
      config: {
        docs: {
          operationId: 'getWorkflow',
          summary: 'A saved workflow with its script',
          tags: TAGS,
          responses: { '200': { description: 'The saved workflow', schema: 'SavedWorkflowWithScript' } },
        },
      },
    },
    async (request) => workflows.get(request.params.name),
  );

  app.delete<{ Params: NameParams }>(
    '/v1/workflows/:name',
    {
      schema: { params: workflowParams },
      config: {
        docs: {
          operationId: 'deleteWorkflow',
          summary: 'Delete a saved workflow',
          description: 'Runs that already called it keep the script they journaled.',
          tags: TAGS,
          responses: { '200': { description: 'Deleted', schema: 'WorkflowDeleted' } },
        },
      },
    },
    async (request) => {
      workflows.delete(request.params.name);
      return { name: request.params.name, deleted: true };
    },
  );
}
