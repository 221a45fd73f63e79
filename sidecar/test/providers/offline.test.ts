import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, ProviderError } from '../../src/errors/errors';
import { createProvider } from '../../src/providers';
import { PARAMS, recordingFetch } from './recording-fetch';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('offline provider', () => {
  it('talks to the offline server at the given base URL over a real socket', async () => {
    let seen: { path: string | undefined; model: unknown } | null = null;
    const srv = await serve((req, res, body) => {
      const parsed = JSON.parse(body) as { model: string };
      seen = { path: req.url, model: parsed.model };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_offline',
          type: 'message',
          role: 'assistant',
          model: parsed.model,
          content: [{ type: 'text', text: `echo ${parsed.model}` }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        }),
      );
    });
    try {
      const provider = createProvider('offline', {}, { baseURL: srv.url });
      expect(provider.defaultModel).toBe('offline-claude');
      const msg = await provider.createMessage({ ...PARAMS, model: provider.defaultModel });
      expect(seen).toEqual({ path: '/v1/messages', model: 'offline-claude' });
      expect(msg.content).toEqual([{ type: 'text', text: 'echo offline-claude' }]);
    } finally {
      await srv.close();
    }
  });

  it('reports a dropped connection as a connection error', async () => {
    const srv = await serve((req) => req.socket.destroy());
    try {
      const provider = createProvider('offline', {}, { baseURL: srv.url });
      const err: unknown = await provider.createMessage(PARAMS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('connection');
    } finally {
      await srv.close();
    }
  });

  it('reports a server that never answers as a timeout', async () => {
    const srv = await serve(() => undefined);
    try {
      const provider = createProvider('offline', {}, { baseURL: srv.url, timeoutMs: 150 });
      const err: unknown = await provider.createMessage(PARAMS).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).kind).toBe('timeout');
    } finally {
      await srv.close();
    }
  });

  it('reports 529 from the server as overloaded with its retry-after', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(529, { 'content-type': 'application/json', 'retry-after': '2' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    });
    try {
      const err: unknown = await createProvider('offline', {}, { baseURL: srv.url })
        .createMessage(PARAMS)
        .catch((e: unknown) => e);
      expect((err as ProviderError).kind).toBe('overloaded');
      expect((err as ProviderError).retryAfterMs).toBe(2000);
    } finally {
      await srv.close();
    }
  });

  it('needs the server URL', () => {
    expect(() => createProvider('offline', {})).toThrow(ConfigError);
    expect(() => createProvider('offline', {}, { baseURL: 'ftp://x' })).toThrow(/baseURL/);
  });

  it('sends no real credentials', async () => {
    const { fetch, calls } = recordingFetch();
    await createProvider(
      'offline',
      { ANTHROPIC_API_KEY: 'sk-ant-real-key-should-stay-home' },
      { fetch, baseURL: 'http://127.0.0.1:1' },
    ).createMessage(PARAMS);
    expect(JSON.stringify(calls[0]!.headers)).not.toContain('sk-ant-real-key');
  });
});
