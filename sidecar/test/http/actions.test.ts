import type { AgentRecord, RunRecord } from '../../src/core/types';
import { agentRecord } from '../support/records';
import { AUTH, makeHarness, type Harness } from './harness';

function agent(runId: string, seq: number, status: AgentRecord['status']): AgentRecord {
  return agentRecord(runId, seq, { label: `a${seq}`, phase: 'scan', status });
}

describe('action routes', () => {
  let h: Harness;
  let run: RunRecord;
  beforeEach(() => {
    h = makeHarness();
    run = h.engine.seed({ status: 'awaiting_approval' });
  });
  afterEach(() => h.close());

  const post = (path: string, payload?: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: `/v1/runs/${run.id}/${path}`,
      headers: { ...AUTH, ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });

  it('approve passes the decision on and returns the updated record', async () => {
    const res = await post('approve', { approved: true, comment: 'ship it' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: run.id, status: 'running', approval: { approved: true, comment: 'ship it' } });
    expect(h.engine.calls).toEqual([{ method: 'approve', args: [run.id, { approved: true, comment: 'ship it' }] }]);
  });

  it.each([
    ['no body', undefined, /the body must be a JSON object/],
    ['approved missing', {}, /`approved` is required/],
    ['approved as a string', { approved: 'yes' }, /`approved` must be true or false/],
    ['an unknown field', { approved: true, reason: 'x' }, /unknown field `reason`/],
  ])('approve rejects %s', async (_name, body, message) => {
    const res = await post('approve', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(h.engine.calls).toEqual([]);
  });

  it('cancel works with no body, an empty JSON body, or a reason', async () => {
    expect((await post('cancel')).statusCode).toBe(200);
    const other = h.engine.seed();
    const res = await h.app.inject({
      method: 'POST',
      url: `/v1/runs/${other.id}/cancel`,
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(200);
    const third = h.engine.seed();
    await h.app.inject({ method: 'POST', url: `/v1/runs/${third.id}/cancel`, headers: AUTH, payload: { reason: 'changed my mind' } });
    expect(h.engine.calls.map((c) => c.args)).toEqual([
      [run.id, undefined],
      [other.id, undefined],
      [third.id, 'changed my mind'],
    ]);
  });

  it('answers an action the run state forbids with 409 invalid_state', async () => {
    await post('cancel');
    const again = await post('cancel');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('invalid_state');
  });

  it('rerun answers 201 with the new run and passes an edited script and input', async () => {
    const res = await post('rerun', { script: 'return 2;', input: { n: 2 } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ parentId: run.id, input: { n: 2 } });
    expect(h.engine.calls).toEqual([{ method: 'rerun', args: [run.id, { script: 'return 2;', input: { n: 2 } }] }]);
    await post('rerun');
    expect(h.engine.calls[1]).toEqual({ method: 'rerun', args: [run.id, {}] });
  });

  it('pause and resume return the record', async () => {
    expect((await post('pause')).json().paused).toBe(true);
    expect((await post('resume', {})).json().paused).toBe(false);
    const junk = await post('pause', { now: true });
    expect(junk.statusCode).toBe(400);
    expect(junk.json().error.message).toMatch(/unknown field `now`/);
  });

  it('actions on a missing run answer 404 run_not_found', async () => {
    for (const action of ['cancel', 'pause', 'resume', 'rerun']) {
      const res = await h.app.inject({ method: 'POST', url: `/v1/runs/missing/${action}`, headers: AUTH });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('run_not_found');
    }
  });

  describe('agents', () => {
    beforeEach(() => {
      h.engine.agentLogs.set(run.id, [
        agent(run.id, 0, 'done'),
        agent(run.id, 1, 'failed'),
        agent(run.id, 2, 'done'),
        agent(run.id, 3, 'failed'),
      ]);
    });

    it('lists agents with status, offset and limit', async () => {
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}/agents?status=failed&offset=1&limit=5`, headers: AUTH });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ agents: [expect.objectContaining({ seq: 3 })], total: 2 });
      expect(h.engine.calls).toEqual([{ method: 'agents', args: [run.id, { status: 'failed', offset: 1, limit: 5 }] }]);
    });

    it.each([['status=running'], ['offset=-1'], ['limit=1001'], ['limit=1.5']])('rejects ?%s', async (qs) => {
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}/agents?${qs}`, headers: AUTH });
      expect(res.statusCode).toBe(400);
    });

    it('restarts one agent by seq, or answers 404 agent_not_found', async () => {
      const ok = await h.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/agents/1/restart`, headers: AUTH });
      expect(ok.statusCode).toBe(200);
      expect(h.engine.calls).toEqual([{ method: 'restartAgent', args: [run.id, 1] }]);
      const missing = await h.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/agents/99/restart`, headers: AUTH });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('agent_not_found');
      const bad = await h.app.inject({ method: 'POST', url: `/v1/runs/${run.id}/agents/-1/restart`, headers: AUTH });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toMatch(/`seq`/);
    });
  });
});
