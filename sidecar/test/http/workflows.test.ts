/** Saved workflows over a real socket, against the real engine, store and sandbox (the offline model over HTTP). */
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createCallbacks } from '../../src/app';
import type { CallbackService } from '../../src/callbacks/service';
import type { RunRecord } from '../../src/core/types';
import { buildServer } from '../../src/http';
import { startHarness, type Harness } from '../support/engine-harness';
import { AUTH, TOKEN } from './harness';

const SCRIPT = `export const meta = { name: 'greet', description: 'Greets whoever args names', whenToUse: 'to say hello', phases: ['Greet'] };
phase('Greet');
const text = await agent('Say hello to ' + (args?.who ?? 'the world'), { label: 'hello' });
return { greeted: args?.who ?? null, text: typeof text };`;

describe('saved workflows API (/v1/workflows) over HTTP', () => {
  let h: Harness;
  let app: FastifyInstance;
  let callbacks: CallbackService;
  let base: string;

  beforeAll(async () => {
    h = await startHarness({ env: { DW_TOKEN: TOKEN, DW_LOG_LEVEL: 'silent' } });
    callbacks = createCallbacks({ config: h.config, callbackStore: h.callbackStore, engine: h.engine, logger: pino({ level: 'silent' }) });
    app = buildServer({ engine: h.engine, config: h.config, callbacks, logger: pino({ level: 'silent' }), version: '9.9.9-test' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await callbacks.stop();
    await h.close();
  });

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(base + path, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const errorCode = (r: { json: Record<string, unknown> }): unknown => (r.json.error as { code?: unknown } | undefined)?.code;

  test('save, list, read, refuse a second save of the name, replace, delete', async () => {
    const saved = await call('POST', '/v1/workflows', { name: 'greet', script: SCRIPT });
    expect(saved.status).toBe(201);
    expect(saved.json).toMatchObject({
      name: 'greet',
      description: 'Greets whoever args names',
      whenToUse: 'to say hello',
      phases: ['Greet'],
      valid: true,
    });
    expect(saved.json).not.toHaveProperty('script');

    const list = await call('GET', '/v1/workflows');
    expect(list.status).toBe(200);
    expect((list.json.workflows as { name: string }[]).map((w) => w.name)).toEqual(['greet']);

    const one = await call('GET', '/v1/workflows/greet');
    expect(one.status).toBe(200);
    expect(one.json.script).toBe(SCRIPT);

    const again = await call('POST', '/v1/workflows', { name: 'greet', script: 'return 2;' });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('workflow_exists');
    const replaced = await call('POST', '/v1/workflows', { name: 'greet', script: 'return 2;', replace: true });
    expect(replaced.status).toBe(200);
    expect((await call('GET', '/v1/workflows/greet')).json.script).toBe('return 2;');

    expect(await call('DELETE', '/v1/workflows/greet')).toEqual({ status: 200, json: { name: 'greet', deleted: true } });
    const gone = await call('GET', '/v1/workflows/greet');
    expect(gone.status).toBe(404);
    expect(errorCode(gone)).toBe('workflow_not_found');
    expect(errorCode(await call('DELETE', '/v1/workflows/greet'))).toBe('workflow_not_found');
  });

  test.each([
    ['a script that fails the check', { name: 'bad', script: 'return process.env;' }, 400, 'script_invalid'],
    ['a name with a slash', { name: '../bad', script: 'return 1;' }, 400, 'invalid_request'],
    ['no name', { script: 'return 1;' }, 400, 'invalid_request'],
    ['neither script nor fromRun', { name: 'empty' }, 400, 'invalid_request'],
    ['both script and fromRun', { name: 'both', script: 'return 1;', fromRun: 'x' }, 400, 'invalid_request'],
    ['an unknown field', { name: 'x', script: 'return 1;', replce: true }, 400, 'invalid_request'],
    ['a script over the limit', { name: 'big', script: 'x'.repeat(200_001) }, 400, 'invalid_request'],
    ['an unknown run', { name: 'from-nowhere', fromRun: 'no-such-run' }, 404, 'run_not_found'],
  ])('POST /v1/workflows with %s is %i %s, and nothing is saved', async (_what, body, status, code) => {
    const res = await call('POST', '/v1/workflows', body);
    expect(res.status).toBe(status);
    expect(errorCode(res)).toBe(code);
    expect((await call('GET', '/v1/workflows')).json.workflows).toEqual([]);
  });

  test('GET /v1/workflows/:name with a name no file can have is 400', async () => {
    const res = await call('GET', `/v1/workflows/${encodeURIComponent('a.b')}`);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('invalid_request');
  });

  test("fromRun saves a run's script, which then runs by name: planning skipped, task from the description, the record names the workflow", async () => {
    const first = await call('POST', '/v1/runs', { task: 'say hello', script: SCRIPT, input: { who: 'Ada' } });
    expect(first.status).toBe(201);
    await h.engine.waitFor(String(first.json.id));
    const saved = await call('POST', '/v1/workflows', { name: 'greet-again', fromRun: first.json.id });
    expect(saved.status).toBe(201);
    expect((await call('GET', '/v1/workflows/greet-again')).json.script).toBe(SCRIPT);

    const started = await call('POST', '/v1/runs', { workflow: 'greet-again', input: { who: 'Grace' } });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({ workflow: 'greet-again', task: 'greet-again: Greets whoever args names', hasScript: true });
    const done: RunRecord = await h.engine.waitFor(String(started.json.id));
    expect(done).toMatchObject({ status: 'converged', result: { greeted: 'Grace', text: 'string' }, workflow: 'greet-again' });
    expect(await (await fetch(`${base}/v1/runs/${done.id}/script`, { headers: AUTH })).text()).toBe(SCRIPT);
    const events = await h.engine.events(done.id, 0);
    expect(events.map((e) => e.event)).toContainEqual({ type: 'run.script', source: 'workflow', workflow: 'greet-again' });
    expect(events.some((e) => e.event.type === 'run.status' && e.event.status === 'planning')).toBe(false);

    const withTask = await call('POST', '/v1/runs', { task: 'my own words', workflow: 'greet-again' });
    expect(withTask.json.task).toBe('my own words');
    await h.engine.waitFor(String(withTask.json.id));
  });

  test.each([
    ['an unknown workflow', { workflow: 'nope' }, 404, 'workflow_not_found'],
    ['a workflow and a script', { workflow: 'greet-again', script: 'return 1;' }, 400, 'invalid_request'],
    ['neither task nor workflow', { input: 1 }, 400, 'invalid_request'],
    ['a workflow name of the wrong shape', { workflow: 'a b' }, 400, 'invalid_request'],
  ])('POST /v1/runs with %s is %i %s', async (_what, body, status, code) => {
    const before = (await h.engine.list({ limit: 500 })).runs.length;
    const res = await call('POST', '/v1/runs', body);
    expect(res.status).toBe(status);
    expect(errorCode(res)).toBe(code);
    expect((await h.engine.list({ limit: 500 })).runs.length).toBe(before);
  });
});
