import { DEFAULT_CREDENTIALS, ManagedProcess, credentialsFor, unflatten, type WorkflowJson } from '../../scripts/lib';
import { parseMail } from '../support/mail';

const node = (name: string, credentials?: Record<string, { id: string; name: string }>) => ({
  name,
  type: 'x.y',
  typeVersion: 1,
  position: [0, 0] as [number, number],
  parameters: {},
  ...(credentials ? { credentials } : {}),
});

describe('credentialsFor', () => {
  const wf = (nodes: WorkflowJson['nodes']): WorkflowJson => ({ name: 'w', nodes, connections: {} });

  test('a credential keeps the id and name the workflows reference, once per id', () => {
    const ref = { id: 'abc123', name: 'Sidecar (prod)' };
    const out = credentialsFor([wf([node('a', { dynamicWorkflowsApi: ref }), node('b', { dynamicWorkflowsApi: ref })])], {
      dynamicWorkflowsApi: { baseUrl: 'http://127.0.0.1:1', token: 't' },
    });
    expect(out).toEqual([
      { id: 'abc123', name: 'Sidecar (prod)', type: 'dynamicWorkflowsApi', data: { baseUrl: 'http://127.0.0.1:1', token: 't' } },
    ]);
  });

  test('a type no workflow references gets its default id; a referenced type without data is left out', () => {
    const out = credentialsFor([wf([node('a', { slackApi: { id: 's1', name: 'Slack' } })])], { smtp: { host: 'h' } });
    expect(out).toEqual([{ ...DEFAULT_CREDENTIALS.smtp, type: 'smtp', data: { host: 'h' } }]);
  });
});

test('unflatten restores the nested and shared values of n8n execution data', () => {
  // flatted: every object and string is an entry of the table, referenced by its index as a string.
  const table = [
    { resultData: '1', again: '1' },
    { runData: '2', lastNodeExecuted: '3' },
    { Done: '4' },
    'Done',
    ['5'],
    { json: '6' },
    { ok: true, n: 2 },
  ];
  const out = unflatten(JSON.stringify(table)) as {
    resultData: { runData: { Done: Array<{ json: unknown }> }; lastNodeExecuted: string };
    again: unknown;
  };
  expect(out.resultData.lastNodeExecuted).toBe('Done');
  expect(out.resultData.runData.Done[0].json).toEqual({ ok: true, n: 2 });
  expect(out.again).toBe(out.resultData);
});

test('parseMail decodes quoted-printable HTML and finds its links with entities decoded', () => {
  const raw = [
    'Subject: =?UTF-8?Q?Approve_the_plan_=E2=9C=93?=',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'plain body',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<a href=3D"http://127.0.0.1:5678/webhook-waiting/1/n?approved=3Dtrue&amp;signatu=',
    're=3Dabc">Approve</a>',
    '--b1--',
    '',
  ].join('\r\n');
  const mail = parseMail(raw);
  expect(mail.subject).toBe('Approve the plan ✓');
  expect(mail.text).toContain('plain body');
  expect(mail.links).toEqual(['http://127.0.0.1:5678/webhook-waiting/1/n?approved=true&signature=abc']);
});

describe('ManagedProcess', () => {
  test('waitForLine resolves with the first matching line, also one printed before the call', async () => {
    const p = new ManagedProcess('echo', process.execPath, [
      '-e',
      'console.log("a"); console.error("ready at 42"); setTimeout(() => {}, 5000)',
    ]);
    try {
      await expect(p.waitForLine(/ready at (\d+)/)).resolves.toBe('ready at 42');
      await expect(p.waitForLine(/ready/)).resolves.toBe('ready at 42');
      expect(p.logs()).toContain('a');
    } finally {
      await p.stop('SIGKILL');
    }
  });

  test('waitForLine rejects with the output when the process exits first', async () => {
    const p = new ManagedProcess('quitter', process.execPath, ['-e', 'console.log("bye"); process.exit(3)']);
    await expect(p.waitForLine(/never/, { timeoutMs: 10_000 })).rejects.toThrow(/quitter exited \(3\).*\n.*bye/s);
  });

  test('stop kills a process that ignores SIGTERM once the grace period is over', async () => {
    const p = new ManagedProcess('stubborn', process.execPath, [
      '-e',
      'process.on("SIGTERM", () => console.log("ignored")); console.log("up"); setInterval(() => {}, 1000)',
    ]);
    await p.waitForLine(/up/);
    const started = Date.now();
    const exit = await p.stop('SIGTERM', 300);
    expect(exit.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(p.running).toBe(false);
  });
});
