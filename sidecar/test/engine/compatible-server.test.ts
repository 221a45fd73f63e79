import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config';
import { Engine } from '../../src/engine/engine';
import { createProvider } from '../../src/providers';
import { IsolatedVmSandbox } from '../../src/sandbox';
import { openDatabase } from '../../src/store/db';
import { SqliteStore } from '../../src/store/sqlite-store';

/** A minimal Anthropic-compatible server that is not ours: it only knows /v1/messages. */
function foreignServer(seen: { path: string; apiKey: string | undefined; model: string }[]) {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as { model: string; messages: { content: unknown }[] };
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      seen.push({ path: req.url ?? '', apiKey: (req.headers['x-api-key'] as string | undefined) ?? bearer, model: parsed.model });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `msg_${seen.length}`,
          type: 'message',
          role: 'assistant',
          model: parsed.model,
          stop_reason: 'end_turn',
          stop_sequence: null,
          content: [{ type: 'text', text: `foreign answer ${seen.length}` }],
          usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        }),
      );
    });
  });
}

test('the engine works against any Anthropic-compatible server named by ANTHROPIC_BASE_URL', async () => {
  const seen: { path: string; apiKey: string | undefined; model: string }[] = [];
  const server = foreignServer(seen);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = { ANTHROPIC_API_KEY: 'sk-foreign-test', ANTHROPIC_BASE_URL: url, DW_DEV: '1', DW_DATA_DIR: ':memory:' };
  const config = loadConfig(env);
  expect(config.provider).toBe('anthropic');
  const db = openDatabase(':memory:');
  const sandbox = new IsolatedVmSandbox();
  const engine = new Engine({ config, store: new SqliteStore(db), provider: createProvider(config.provider, env), sandbox });
  try {
    const started = await engine.start({ task: 'foreign', script: `return await parallel([() => agent('one'), () => agent('two')]);` });
    const run = await engine.waitFor(started.id);
    expect(run.status).toBe('converged');
    expect(run.result).toEqual(expect.arrayContaining([expect.stringMatching(/^foreign answer/)]));
    expect(seen).toHaveLength(2);
    expect(seen.every((s) => s.path.startsWith('/v1/messages') && s.apiKey === 'sk-foreign-test')).toBe(true);
  } finally {
    await engine.close();
    sandbox.dispose();
    db.close();
    await new Promise((r) => server.close(r));
  }
});
