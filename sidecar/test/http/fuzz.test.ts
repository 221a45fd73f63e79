import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AUTH, TOKEN, makeHarness, type Harness } from './harness';
import { ROUTES, concrete } from './routes-table';

/** Small seeded PRNG (mulberry32) so a failing run can be replayed with FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Req {
  readonly kind: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const TOTAL = 1_200;

function generator(rand: () => number, runIds: readonly string[]) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (n: number): number => Math.floor(rand() * n);
  const junkChars = 'abcXYZ019-_.~%$&+,/:;=?@ \'"<>#{}|\\^[]`\u00e9\u4e2d\u{1F600}\u0000\n';
  const junk = (max: number): string => Array.from({ length: 1 + int(max) }, () => pick([...junkChars])).join('');
  const garbageId = (): string =>
    pick([
      () => encodeURIComponent(junk(20)),
      () => 'x'.repeat(150 + int(200)),
      () => `missing-${int(1e6)}`,
      () => '..%2F..%2Fetc%2Fpasswd',
      () => '%00',
      () => encodeURIComponent('run-0001 '),
      () => '-leading-dash',
    ])();
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  const validStart = (): Record<string, unknown> => ({
    task: 'Audit the auth module',
    input: { files: ['a.ts'] },
    options: { approvePlan: false, tools: ['read_file'], limits: { maxParallel: 4 } },
  });
  // Each mutation makes a valid start body invalid in one way.
  const startMutations: Array<(b: Record<string, unknown>) => unknown> = [
    (b) => ({ ...b, task: undefined }),
    (b) => ({ ...b, task: pick([42, null, true, [], {}, '', '   ']) }),
    (b) => ({ ...b, task: 'x'.repeat(100_001 + int(1000)) }),
    (b) => ({ ...b, script: pick([1, false, {}, '', 'y'.repeat(200_001)]) }),
    (b) => ({ ...b, [junk(8).replace(/[^a-z]/gi, '') || 'zz']: 1, task: b.task }),
    (b) => ({ ...b, options: pick([null, 'fast', 7, [], { approvePlan: 'yes' }, { tools: 'grep' }, { tools: ['rm'] }, { tools: ['grep', 'grep'] }, { workspace: '' }, { model: 5 }, { unknown: 1 }]) }),
    (b) => ({ ...b, options: { limits: { [pick(['maxParallel', 'maxAgents', 'maxTokens', 'cpuMs', 'memoryMb', 'deadlineMs'])]: pick([-1, 0, 1.5, 1e15, '8', null]) } } }),
    (b) => ({ ...b, options: { limits: { maxUsd: pick([-0.01, 1e10, 'cheap']) } } }),
    (b) => ({ ...b, options: { limits: { maxParalel: 4 } } }),
    (b) => ({ ...b, callback: pick([{}, { url: 'ftp://x' }, { url: 'notaurl' }, { url: 'http://u:p@h/' }, { url: 'http://h/', events: ['running'] }, { url: 'http://h/', events: [] }, { url: 5 }, 'http://h/']) }),
    (b) => ({ ...b, input: JSON.parse(deep(65 + int(200))) }),
    () => pick([null, [], 'task', 17, true]),
  ];
  const garbageJson = (): string =>
    pick([
      () => '{"task": ',
      () => '{task: "x"}',
      () => "{'task':'x'}",
      () => '{"task":"x",}',
      () => junk(40),
      () => '\u0000\u0001\u0002',
      () => `{"task":"x","input":${deep(100 + int(400))}}`,
      () => '{"task":"t","__proto__":{"x":1}}',
      () => '{"task":"t","constructor":{"prototype":{"x":1}}}',
      () => '{"task":"\ud800"}garbage',
    ])();
  const actionBodies: Record<string, Array<() => unknown>> = {
    approve: [() => ({}), () => ({ approved: 'yes' }), () => ({ approved: true, extra: 1 }), () => ({ approved: null }), () => ({ approved: true, comment: 'c'.repeat(10_001) })],
    cancel: [() => ({ reason: 5 }), () => ({ reason: 'r'.repeat(1001) }), () => ({ why: 'x' }), () => [1]],
    rerun: [() => ({ script: 5 }), () => ({ script: '' }), () => ({ other: 1 }), () => ({ input: JSON.parse(deep(80)) })],
    pause: [() => ({ now: true }), () => 'string', () => 3],
    resume: [() => ({ x: 1 }), () => [null]],
    callbacks: [() => ({}), () => ({ url: 'file:///etc/passwd' }), () => ({ url: 'http://127.0.0.1:9/x', events: ['done'] }), () => ({ url: 'http://127.0.0.1:9/x', extra: true }), () => ({ url: `http://h/${'x'.repeat(3000)}` })],
  };
  const auth = { ...AUTH, 'content-type': 'application/json' };

  return (): Req => {
    const r = rand();
    if (r < 0.1) {
      const route = pick(ROUTES.filter((x) => !x.public));
      const headers = pick([{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }, { authorization: junk(30).replace(/[\r\n\u0000-\u001f\u007f-\u{10ffff}]/gu, '') }]);
      return { kind: 'no-auth', method: route.method, path: concrete(route.path, pick(runIds)), headers: headers as Record<string, string> };
    }
    if (r < 0.2) {
      const route = pick(ROUTES);
      const allowed = new Set(ROUTES.filter((x) => x.path === route.path).flatMap((x) => (x.method === 'GET' && !x.stream ? ['GET', 'HEAD'] : [x.method])));
      const method = pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET', 'HEAD', 'POST'].filter((m) => !allowed.has(m)));
      return { kind: 'wrong-method', method, path: concrete(route.path, pick(runIds)), headers: AUTH };
    }
    if (r < 0.32) {
      const route = pick(ROUTES.filter((x) => x.path.includes(':id')));
      const body = route.method === 'POST' ? pick([undefined, '{}', '{"approved":true}', '{"url":"http://127.0.0.1:9/x"}']) : undefined;
      return { kind: 'garbage-id', method: route.method, path: concrete(route.path, garbageId(), int(5)), headers: auth, ...(body ? { body } : {}) };
    }
    if (r < 0.4) {
      const q = pick(['status=done', 'limit=0', 'limit=501', 'limit=-5', 'limit=abc', 'limit=1e3', 'cursor=', 'foo=bar', `cursor=${'c'.repeat(600)}`, 'status=', 'status[]=running']);
      const route = pick(['/v1/runs', `/v1/runs/${pick(runIds)}/agents`, '/v1/events', `/v1/runs/${pick(runIds)}/events`]);
      const agentQ = pick(['status=running', 'offset=-1', 'limit=1001', 'limit=0', 'offset=x', 'nope=1']);
      const eventsQ = pick(['lastEventId=-1', 'lastEventId=abc', 'lastEventId=1.5', 'x=1', `lastEventId=${'9'.repeat(30)}`]);
      const qs = route.endsWith('/agents') ? agentQ : route.endsWith('/events') ? eventsQ : q;
      return { kind: 'bad-query', method: 'GET', path: `${route}?${qs}`, headers: AUTH };
    }
    if (r < 0.45) {
      const route = pick(['/v1/events', `/v1/runs/${pick(runIds)}/events`]);
      return { kind: 'bad-last-event-id', method: 'GET', path: route, headers: { ...AUTH, 'last-event-id': pick(['abc', '-1', '1.5', '0x10', '9'.repeat(20), '1 2']) } };
    }
    if (r < 0.7) {
      const mutate = pick(startMutations);
      let body: string;
      try {
        body = JSON.stringify(mutate(validStart())) ?? 'null';
      } catch {
        body = '{}';
      }
      return { kind: 'bad-start', method: 'POST', path: '/v1/runs', headers: auth, body };
    }
    if (r < 0.78) {
      const variant = int(5);
      if (variant === 0) return { kind: 'garbage-json', method: 'POST', path: '/v1/runs', headers: auth, body: garbageJson() };
      if (variant === 1) {
        const type = pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'application/octet-stream', 'text/json']);
        return { kind: 'wrong-type', method: 'POST', path: pick(['/v1/runs', `/v1/runs/${pick(runIds)}/approve`, `/v1/runs/${pick(runIds)}/cancel`]), headers: { ...AUTH, 'content-type': type }, body: JSON.stringify(validStart()) };
      }
      if (variant === 2 && int(4) === 0) return { kind: 'huge-body', method: 'POST', path: '/v1/runs', headers: auth, body: JSON.stringify({ task: 'h'.repeat(4 * 1024 * 1024 + int(1024)) }) };
      if (variant === 3) return { kind: 'empty-start', method: 'POST', path: '/v1/runs', headers: auth, body: '' };
      return { kind: 'garbage-json-action', method: 'POST', path: `/v1/runs/${pick(runIds)}/${pick(Object.keys(actionBodies))}`, headers: auth, body: garbageJson() };
    }
    if (r < 0.92) {
      const action = pick(Object.keys(actionBodies));
      const body = JSON.stringify(pick(actionBodies[action] ?? [])());
      return { kind: `bad-${action}`, method: 'POST', path: `/v1/runs/${pick(runIds)}/${action}`, headers: auth, body };
    }
    if (r < 0.96) {
      const seq = pick(['-1', 'abc', '1.5', '99999999999', '%20', '7']);
      return { kind: 'bad-restart', method: 'POST', path: `/v1/runs/${pick(runIds)}/agents/${seq}/restart`, headers: AUTH };
    }
    const path = pick([`/v2/runs`, `/v1/run`, `/v1/runs/${pick(runIds)}/explode`, `/${encodeURIComponent(junk(10))}`, '/v1/runs/a/b/c/d', '/v1//runs', '/.env', '/v1/runs/%', `/v1/runs?${'&'.repeat(500)}x=1`]);
    return { kind: 'unknown-path', method: pick(['GET', 'POST']), path, headers: AUTH };
  };
}

/** Requests fetch() cannot send: malformed request lines and headers, methods it forbids. */
const RAW_REQUESTS: readonly string[] = [
  'GARBAGE\r\n\r\n',
  'GET /v1/runs HTTP/9.9\r\n\r\n',
  'GET /v1/runs\r\n\r\n',
  `GET /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nBad Header: x\r\n\r\n`,
  `TRACE /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
  `POST /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":1}`,
  `POST /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
  `POST /v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
  `GET /v1/runs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  `GET /${'%'.repeat(10)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  '\u0000\u0001\u0002\u0003\r\n\r\n',
];

function rawRequest(port: number, payload: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(m ? Number(m[1]) : null);
    });
    socket.write(payload, 'latin1');
  });
}

describe(`fuzzing the API with ${TOTAL} malformed requests (FUZZ_SEED=${SEED})`, () => {
  let h: Harness;
  let base: string;
  let port: number;
  beforeAll(async () => {
    h = makeHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => h.close());

  it('answers every one with a 4xx JSON error and changes nothing', async () => {
    const runIds = [
      h.engine.seed({ status: 'awaiting_approval' }).id,
      h.engine.seed({ status: 'running' }).id,
      h.engine.seed({ status: 'converged', result: { ok: 1 } }).id,
      h.engine.seed({ status: 'planning', hasScript: false }, null).id,
    ];
    const before = JSON.stringify([...h.engine.runs.values()]);
    const next = generator(prng(SEED), runIds);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const statuses = new Set<number>();

    const send = async (req: Req): Promise<void> => {
      kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
      let status = 0;
      let text = '';
      try {
        const res = await fetch(`${base}${req.path}`, { method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) });
        status = res.status;
        statuses.add(status);
        text = await res.text();
      } catch (err) {
        failures.push(`${req.kind} ${req.method} ${req.path.slice(0, 80)}: request failed: ${String(err)}`);
        return;
      }
      const isJsonError = (() => {
        if (req.method === 'HEAD') return true;
        try {
          const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          return typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
        } catch {
          return false;
        }
      })();
      if (status < 400 || status > 499 || !isJsonError) {
        failures.push(`${req.kind} ${req.method} ${req.path.slice(0, 80)} body=${(req.body ?? '').slice(0, 80)} -> ${status} ${text.slice(0, 120)}`);
      }
    };

    const requests = Array.from({ length: TOTAL }, next);
    for (let i = 0; i < requests.length; i += 16) await Promise.all(requests.slice(i, i + 16).map(send));
    for (const raw of RAW_REQUESTS) {
      const status = await rawRequest(port, raw);
      if (status !== null && (status < 400 || status > 499)) failures.push(`raw ${JSON.stringify(raw.slice(0, 60))} -> ${status}`);
    }

    expect(failures).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(15);
    // The fuzzer reaches every kind of rejection, not just the first gate.
    for (const expected of [400, 401, 404, 405, 413, 414, 415]) expect([...statuses]).toContain(expected);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.stringify([...h.engine.runs.values()])).toBe(before);
    expect(h.engine.runs.size).toBe(runIds.length);
    for (const id of runIds) expect(h.callbacks.registrations(id)).toEqual([]);
    // Garbage ids may reach the engine (which answers run_not_found); nothing may act on a real run.
    const mutating = new Set(['start', 'cancel', 'approve', 'rerun', 'pause', 'resume']);
    expect(h.engine.calls.filter((c) => mutating.has(c.method) && (c.method === 'start' || runIds.includes(c.args[0] as string)))).toEqual([]);
  });
});
