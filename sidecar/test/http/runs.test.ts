import { InvalidStateError, PlanningError } from '../../src/errors/errors';
import type { RunRecord } from '../../src/core/types';
import { AUTH, makeHarness, type Harness } from './harness';

describe('runs routes', () => {
  let h: Harness;
  beforeEach(() => {
    h = makeHarness();
  });
  afterEach(() => h.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/v1/runs', headers: { ...AUTH, ...headers }, payload: payload as string });

  describe('POST /v1/runs', () => {
    it('starts a run and answers 201 with its record', async () => {
      const body = {
        task: 'Audit the auth module',
        input: { files: ['a.ts'] },
        options: {
          model: 'm',
          agentModel: 'a',
          approvePlan: true,
          tools: ['read_file', 'grep'],
          workspace: 'repo-a',
          limits: { maxParallel: 4, maxUsd: 0.5 },
        },
      };
      const res = await post(body);
      expect(res.statusCode).toBe(201);
      const run = res.json<RunRecord>();
      expect(run.status).toBe('planning');
      expect(run.task).toBe(body.task);
      expect(h.engine.calls).toEqual([{ method: 'start', args: [body] }]);
    });

    it.each([
      ['a missing task', {}, /`task` is required/],
      ['an empty task', { task: '' }, /`task` must not be empty/],
      ['a blank task', { task: '   \n' }, /`task` must not be blank/],
      ['a task of the wrong type', { task: 42 }, /`task` must be a string/],
      ['a task over 100k characters', { task: 'x'.repeat(100_001) }, /`task` must be at most 100000 characters/],
      ['a script over 200k characters', { task: 't', script: 'x'.repeat(200_001) }, /`script` must be at most 200000/],
      ['an unknown top-level field', { task: 't', scirpt: 'return 1' }, /unknown field `scirpt`/],
      ['an unknown option', { task: 't', options: { approvePlans: true } }, /unknown field `options.approvePlans`/],
      ['an unknown limit', { task: 't', options: { limits: { maxParalel: 4 } } }, /unknown field `options.limits.maxParalel`/],
      [
        'a limit out of bounds',
        { task: 't', options: { limits: { maxParallel: 100_000 } } },
        /`options.limits.maxParallel` must be <= 4096/,
      ],
      ['a negative budget', { task: 't', options: { limits: { maxUsd: -1 } } }, /`options.limits.maxUsd` must be >= 0/],
      ['a fractional agent limit', { task: 't', options: { limits: { maxAgents: 1.5 } } }, /`options.limits.maxAgents` must be an integer/],
      ['an unknown tool', { task: 't', options: { tools: ['read_file', 'rm_rf'] } }, /`options.tools\[1\]` must be one of: read_file/],
      ['a repeated tool', { task: 't', options: { tools: ['grep', 'grep'] } }, /`options.tools` must not repeat items/],
      ['approvePlan as a string', { task: 't', options: { approvePlan: 'yes' } }, /`options.approvePlan` must be true or false/],
      ['a callback without url', { task: 't', callback: {} }, /`callback.url` is required/],
      [
        'a callback to a non-http URL',
        { task: 't', callback: { url: 'file:///etc/passwd' } },
        /`callback.url` must be an absolute http or https URL/,
      ],
      ['a callback URL with credentials', { task: 't', callback: { url: 'https://u:p@example.com/x' } }, /`callback.url`/],
      [
        'an unknown callback event',
        { task: 't', callback: { url: 'http://127.0.0.1/x', events: ['done'] } },
        /`callback.events\[0\]` must be one of/,
      ],
      ['input nested too deeply', { task: 't', input: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) }, /`input` is nested too deeply/],
      ['an array body', [{ task: 't' }], /the body must be a JSON object/],
    ])('rejects %s with 400 invalid_request naming the field', async (_name, body, message) => {
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_request');
      expect(res.json().error.message).toMatch(message);
      expect(h.engine.calls).toEqual([]);
    });

    it('answers malformed JSON with 400 invalid_json', async () => {
      for (const raw of ['{"task": ', '{task: "x"}', 'nul', '{"task":"x"}}']) {
        const res = await post(raw, { 'content-type': 'application/json' });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('invalid_json');
      }
    });

    it('refuses prototype-poisoning JSON', async () => {
      const res = await post('{"task":"t","__proto__":{"admin":true}}', { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(400);
      expect(h.engine.calls).toEqual([]);
    });

    it('answers a body over the limit with 413 payload_too_large', async () => {
      const res = await post(JSON.stringify({ task: 'x'.repeat(5 * 1024 * 1024) }), { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
    });

    it('answers other media types with 415', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await post('task=x', { 'content-type': type });
        expect(res.statusCode).toBe(415);
        expect(res.json().error.code).toBe('unsupported_media_type');
      }
    });

    it('registers the callback of the start body', async () => {
      const res = await post({ task: 't', callback: { url: 'http://127.0.0.1:9/hook', events: ['failed'] } });
      expect(res.statusCode).toBe(201);
      expect(await h.callbacks.registrations(res.json().id)).toEqual([
        expect.objectContaining({ url: 'http://127.0.0.1:9/hook', events: ['failed'] }),
      ]);
    });
  });

  describe('GET /v1/runs', () => {
    it('pages newest first with a cursor and filters by status', async () => {
      for (let i = 0; i < 5; i++) h.engine.seed({ status: i % 2 ? 'converged' : 'running' });
      const first = await h.app.inject({ method: 'GET', url: '/v1/runs?limit=2', headers: AUTH });
      expect(first.statusCode).toBe(200);
      const page1 = first.json<{ runs: RunRecord[]; nextCursor: string }>();
      expect(page1.runs.map((r) => r.id)).toEqual(['run-0005', 'run-0004']);
      const second = await h.app.inject({ method: 'GET', url: `/v1/runs?limit=2&cursor=${page1.nextCursor}`, headers: AUTH });
      expect(second.json().runs.map((r: RunRecord) => r.id)).toEqual(['run-0003', 'run-0002']);
      const converged = await h.app.inject({ method: 'GET', url: '/v1/runs?status=converged', headers: AUTH });
      expect(converged.json()).toEqual({
        runs: [expect.objectContaining({ id: 'run-0004' }), expect.objectContaining({ id: 'run-0002' })],
        nextCursor: null,
      });
    });

    it.each([['status=done'], ['limit=0'], ['limit=501'], ['limit=abc'], ['cursor='], ['stauts=running']])('rejects ?%s', async (qs) => {
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs?${qs}`, headers: AUTH });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/^Invalid query string: /);
    });
  });

  describe('GET /v1/runs/:id and /script', () => {
    it('returns the record, or 404 run_not_found', async () => {
      const run = h.engine.seed();
      expect((await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}`, headers: AUTH })).json()).toEqual(run);
      const missing = await h.app.inject({ method: 'GET', url: '/v1/runs/nope', headers: AUTH });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: { code: 'run_not_found', message: 'No run with id nope' } });
    });

    it('serves the script as text/javascript', async () => {
      const run = h.engine.seed({}, 'phase("scan");\nreturn 42;');
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}/script`, headers: AUTH });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(res.body).toBe('phase("scan");\nreturn 42;');
    });

    it('answers 404 script_not_ready while planning', async () => {
      const run = h.engine.seed({ status: 'planning', hasScript: false }, null);
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${run.id}/script`, headers: AUTH });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('script_not_ready');
    });

    it('rejects ids that cannot be run ids before asking the engine', async () => {
      const res = await h.app.inject({ method: 'GET', url: `/v1/runs/${encodeURIComponent('../etc')}`, headers: AUTH });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toMatch(/^Invalid path: `id`/);
    });
  });

  describe('errors', () => {
    it('maps engine errors by their status and code', async () => {
      h.engine.failNext = { method: 'start', error: new PlanningError('The planner gave up') };
      const res = await post({ task: 't' });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toEqual({ error: { code: 'planning_failed', message: 'The planner gave up' } });
      h.engine.failNext = { method: 'list', error: new InvalidStateError('busy') };
      expect((await h.app.inject({ method: 'GET', url: '/v1/runs', headers: AUTH })).statusCode).toBe(409);
    });

    it('answers unexpected failures with 500 internal and no details', async () => {
      h.engine.failNext = { method: 'list', error: new TypeError('secret internals at /srv/x.js:12') };
      const res = await h.app.inject({ method: 'GET', url: '/v1/runs', headers: AUTH });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
      expect(res.body).not.toContain('secret');
    });

    it('answers unknown routes with 404 not_found and wrong methods with 405', async () => {
      const unknown = await h.app.inject({ method: 'GET', url: '/v1/nothing', headers: AUTH });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
      const wrong = await h.app.inject({ method: 'DELETE', url: '/v1/runs/run-1', headers: AUTH });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.json().error.code).toBe('method_not_allowed');
      expect(wrong.headers.allow).toBe('GET, HEAD');
      const put = await h.app.inject({ method: 'PUT', url: '/v1/runs', headers: AUTH });
      expect(put.headers.allow).toBe('GET, HEAD, POST');
    });

    it('marks JSON answers not to be cached or sniffed', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/v1/runs', headers: AUTH });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });
  });
});
