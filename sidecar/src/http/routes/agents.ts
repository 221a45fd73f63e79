import type { FastifyInstance } from 'fastify';
import type { ListAgentsQuery } from '../../engine/api';
import type { HttpContext } from '../context';
import { agentParams, emptyBody, listAgentsQuery, runParams } from '../schemas/requests';

const TAGS = ['agents'];

export function agentsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { engine } = ctx;

  app.get<{ Params: { id: string }; Querystring: ListAgentsQuery }>(
    '/v1/runs/:id/agents',
    {
      schema: { params: runParams, querystring: listAgentsQuery },
      config: {
        docs: {
          operationId: 'listAgents',
          summary: 'Per-agent log: seq, label, phase, prompt, tools, status, result, usage, error',
          tags: TAGS,
          responses: { '200': { description: 'One page of agents, in seq order', schema: 'AgentList' } },
        },
      },
    },
    async (request) => {
      const { status, offset, limit } = request.query;
      const page = await engine.agents(request.params.id, {
        ...(status ? { status } : {}),
        ...(offset !== undefined ? { offset } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      return { agents: page.agents, total: page.total };
    },
  );

  app.post<{ Params: { id: string; seq: number } }>(
    '/v1/runs/:id/agents/:seq/restart',
    {
      schema: { params: agentParams, body: emptyBody },
      config: {
        docs: {
          operationId: 'restartAgent',
          summary: 'Run one failed agent again',
          description: "The run replays from its journal with that agent's new result.",
          tags: TAGS,
          responses: { '200': { description: 'The run', schema: 'RunRecord' } },
        },
      },
    },
    async (request) => engine.restartAgent(request.params.id, request.params.seq),
  );
}
