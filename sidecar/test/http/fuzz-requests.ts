import { connect } from 'node:net';
import { AUTH, TOKEN } from './harness';
import { ROUTES, concrete } from './routes-table';

/** Small seeded PRNG (mulberry32): the same seed gives the same requests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzRequest {
  readonly kind: FuzzKind;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/**
 * How many requests of each kind one seed sends (1,200 in all). Fixed counts, not random
 * draws: every kind of rejection is reached by every seed (a kind drawn with a small
 * probability is sometimes not drawn at all, and a check that it was reached then fails for
 * no reason). The seed varies what each request holds and their order.
 */
export const FUZZ_MIX = {
  'no-auth': 120,
  'wrong-method': 120,
  'garbage-id': 130,
  'long-id': 14,
  'bad-query': 96,
  'bad-last-event-id': 60,
  'bad-start': 300,
  'garbage-json': 20,
  'wrong-type': 20,
  'huge-body': 4,
  'empty-start': 20,
  'garbage-json-action': 30,
  'bad-action': 168,
  'bad-restart': 48,
  'unknown-path': 50,
} as const;

export type FuzzKind = keyof typeof FUZZ_MIX;

/** The status a kind always gets, where there is exactly one (others get various 4xx). */
export const EXPECTED_STATUS: Readonly<Partial<Record<FuzzKind, number>>> = {
  'no-auth': 401,
  'wrong-method': 405,
  'long-id': 414,
  'huge-body': 413,
  'wrong-type': 415,
};

/** The fuzz requests of one seed, in a seeded order. */
export function fuzzRequests(seed: number, runIds: readonly string[]): FuzzRequest[] {
  const rand = prng(seed);
  const make = makers(rand, runIds);
  const requests = (Object.entries(FUZZ_MIX) as [FuzzKind, number][]).flatMap(([kind, n]) => Array.from({ length: n }, () => make[kind]()));
  for (let i = requests.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [requests[i], requests[j]] = [requests[j], requests[i]];
  }
  return requests;
}

function makers(rand: () => number, runIds: readonly string[]): Record<FuzzKind, () => FuzzRequest> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (n: number): number => Math.floor(rand() * n);
  const junkChars = 'abcXYZ019-_.~%$&+,/:;=?@ \'"<>#{}|\\^[]`\u00e9\u4e2d\u{1F600}\u0000\n';
  const junk = (max: number): string => Array.from({ length: 1 + int(max) }, () => pick([...junkChars])).join('');
  const garbageId = (): string =>
    pick([
      () => encodeURIComponent(junk(20)),
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
    (b) => ({
      ...b,
      options: pick([
        null,
        'fast',
        7,
        [],
        { approvePlan: 'yes' },
        { tools: 'grep' },
        { tools: ['rm'] },
        { tools: ['grep', 'grep'] },
        { workspace: '' },
        { model: 5 },
        { unknown: 1 },
      ]),
    }),
    (b) => ({
      ...b,
      options: {
        limits: {
          [pick(['maxParallel', 'maxAgents', 'maxTokens', 'cpuMs', 'memoryMb', 'deadlineMs'])]: pick([-1, 0, 1.5, 1e15, '8', null]),
        },
      },
    }),
    (b) => ({ ...b, options: { limits: { maxUsd: pick([-0.01, 1e10, 'cheap']) } } }),
    (b) => ({ ...b, options: { limits: { maxParalel: 4 } } }),
    (b) => ({
      ...b,
      callback: pick([
        {},
        { url: 'ftp://x' },
        { url: 'notaurl' },
        { url: 'http://u:p@h/' },
        { url: 'http://h/', events: ['running'] },
        { url: 'http://h/', events: [] },
        { url: 5 },
        'http://h/',
      ]),
    }),
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
    approve: [
      () => ({}),
      () => ({ approved: 'yes' }),
      () => ({ approved: true, extra: 1 }),
      () => ({ approved: null }),
      () => ({ approved: true, comment: 'c'.repeat(10_001) }),
    ],
    cancel: [() => ({ reason: 5 }), () => ({ reason: 'r'.repeat(1001) }), () => ({ why: 'x' }), () => [1]],
    rerun: [() => ({ script: 5 }), () => ({ script: '' }), () => ({ other: 1 }), () => ({ input: JSON.parse(deep(80)) })],
    pause: [() => ({ now: true }), () => 'string', () => 3],
    resume: [() => ({ x: 1 }), () => [null]],
    callbacks: [
      () => ({}),
      () => ({ url: 'file:///etc/passwd' }),
      () => ({ url: 'http://127.0.0.1:9/x', events: ['done'] }),
      () => ({ url: 'http://127.0.0.1:9/x', extra: true }),
      () => ({ url: `http://h/${'x'.repeat(3000)}` }),
    ],
  };
  const auth = { ...AUTH, 'content-type': 'application/json' };
  const run = (): string => pick(runIds);

  return {
    'no-auth': () => {
      const route = pick(ROUTES.filter((x) => !x.public));
      const headers = pick([
        {},
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: `Basic ${TOKEN}` },
        { authorization: [...junk(30)].filter((c) => c >= ' ' && c <= '~').join('') },
      ]);
      return { kind: 'no-auth', method: route.method, path: concrete(route.path, run()), headers: headers as Record<string, string> };
    },
    'wrong-method': () => {
      const route = pick(ROUTES);
      const allowed = new Set(
        ROUTES.filter((x) => x.path === route.path).flatMap((x) => (x.method === 'GET' && !x.stream ? ['GET', 'HEAD'] : [x.method])),
      );
      const method = pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET', 'HEAD', 'POST'].filter((m) => !allowed.has(m)));
      return { kind: 'wrong-method', method, path: concrete(route.path, run()), headers: AUTH };
    },
    'garbage-id': () => {
      const route = pick(ROUTES.filter((x) => x.path.includes(':id')));
      const body = route.method === 'POST' ? pick([undefined, '{}', '{"approved":true}', '{"url":"http://127.0.0.1:9/x"}']) : undefined;
      return {
        kind: 'garbage-id',
        method: route.method,
        path: concrete(route.path, garbageId(), int(5)),
        headers: auth,
        ...(body ? { body } : {}),
      };
    },
    // Longer than the router's maxParamLength (200).
    'long-id': () => {
      const route = pick(ROUTES.filter((x) => x.path.includes(':id')));
      return { kind: 'long-id', method: route.method, path: concrete(route.path, 'x'.repeat(201 + int(200))), headers: AUTH };
    },
    'bad-query': () => {
      const q = pick([
        'status=done',
        'limit=0',
        'limit=501',
        'limit=-5',
        'limit=abc',
        'limit=1e3',
        'cursor=',
        'foo=bar',
        `cursor=${'c'.repeat(600)}`,
        'status=',
        'status[]=running',
      ]);
      const route = pick(['/v1/runs', `/v1/runs/${run()}/agents`, '/v1/events', `/v1/runs/${run()}/events`]);
      const agentQ = pick(['status=running', 'offset=-1', 'limit=1001', 'limit=0', 'offset=x', 'nope=1']);
      const eventsQ = pick(['lastEventId=-1', 'lastEventId=abc', 'lastEventId=1.5', 'x=1', `lastEventId=${'9'.repeat(30)}`]);
      const qs = route.endsWith('/agents') ? agentQ : route.endsWith('/events') ? eventsQ : q;
      return { kind: 'bad-query', method: 'GET', path: `${route}?${qs}`, headers: AUTH };
    },
    'bad-last-event-id': () => {
      const route = pick(['/v1/events', `/v1/runs/${run()}/events`]);
      return {
        kind: 'bad-last-event-id',
        method: 'GET',
        path: route,
        headers: { ...AUTH, 'last-event-id': pick(['abc', '-1', '1.5', '0x10', '9'.repeat(20), '1 2']) },
      };
    },
    'bad-start': () => {
      let body: string;
      try {
        body = JSON.stringify(pick(startMutations)(validStart())) ?? 'null';
      } catch {
        body = '{}';
      }
      return { kind: 'bad-start', method: 'POST', path: '/v1/runs', headers: auth, body };
    },
    'garbage-json': () => ({ kind: 'garbage-json', method: 'POST', path: '/v1/runs', headers: auth, body: garbageJson() }),
    'wrong-type': () => {
      const type = pick([
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=b',
        'application/octet-stream',
        'text/json',
      ]);
      return {
        kind: 'wrong-type',
        method: 'POST',
        path: pick(['/v1/runs', `/v1/runs/${run()}/approve`, `/v1/runs/${run()}/cancel`]),
        headers: { ...AUTH, 'content-type': type },
        body: JSON.stringify(validStart()),
      };
    },
    'huge-body': () => ({
      kind: 'huge-body',
      method: 'POST',
      path: '/v1/runs',
      headers: auth,
      body: JSON.stringify({ task: 'h'.repeat(4 * 1024 * 1024 + int(1024)) }),
    }),
    'empty-start': () => ({ kind: 'empty-start', method: 'POST', path: '/v1/runs', headers: auth, body: '' }),
    'garbage-json-action': () => ({
      kind: 'garbage-json-action',
      method: 'POST',
      path: `/v1/runs/${run()}/${pick(Object.keys(actionBodies))}`,
      headers: auth,
      body: garbageJson(),
    }),
    'bad-action': () => {
      const action = pick(Object.keys(actionBodies));
      return {
        kind: 'bad-action',
        method: 'POST',
        path: `/v1/runs/${run()}/${action}`,
        headers: auth,
        body: JSON.stringify(pick(actionBodies[action] ?? [])()),
      };
    },
    'bad-restart': () => {
      const seq = pick(['-1', 'abc', '1.5', '99999999999', '%20', '7']);
      return { kind: 'bad-restart', method: 'POST', path: `/v1/runs/${run()}/agents/${seq}/restart`, headers: AUTH };
    },
    'unknown-path': () => {
      const path = pick([
        `/v2/runs`,
        `/v1/run`,
        `/v1/runs/${run()}/explode`,
        `/${encodeURIComponent(junk(10))}`,
        '/v1/runs/a/b/c/d',
        '/v1//runs',
        '/.env',
        '/v1/runs/%',
        `/v1/runs?${'&'.repeat(500)}x=1`,
      ]);
      return { kind: 'unknown-path', method: pick(['GET', 'POST']), path, headers: AUTH };
    },
  };
}

/** Requests fetch() cannot send: malformed request lines and headers, methods it forbids. */
export const RAW_REQUESTS: readonly string[] = [
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

/**
 * Sends `payload` on a fresh socket; the status line of the answer, or null with the reason
 * when the connection closed (or `timeoutMs` passed) without one.
 */
export function rawRequest(
  port: number,
  payload: string,
  timeoutMs = 10_000,
): Promise<{ status: number } | { status: null; reason: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let reason = 'closed without an answer';
    const timer = setTimeout(() => {
      reason = `no answer in ${timeoutMs} ms`;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      // The status line is all we need; the server may keep the connection open.
      if (/^HTTP\/1\.[01] \d{3}/.test(data)) socket.destroy();
    });
    socket.on('error', (err) => {
      reason = `socket error: ${err.message}`;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(
        m ? { status: Number(m[1]) } : { status: null, reason: data ? `${reason}; got ${JSON.stringify(data.slice(0, 80))}` : reason },
      );
    });
    socket.write(payload, 'latin1');
  });
}
