import { Writable } from 'node:stream';
import pino from 'pino';
import { AUTH, TOKEN, makeHarness } from './harness';

describe('request logging', () => {
  it('never logs request bodies or credentials', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const h = makeHarness({ logger: pino({ level: 'trace' }, sink) });
    try {
      await h.app.inject({
        method: 'POST',
        url: '/v1/runs',
        headers: { ...AUTH, cookie: 'dw_session=COOKIE-VALUE', 'x-api-key': 'API-KEY-VALUE' },
        payload: { task: 'BODY-MARKER-7d1f', input: { password: 'BODY-SECRET-9a2c' } },
      });
      await h.app.inject({ method: 'POST', url: '/v1/runs', headers: AUTH, payload: { task: 42, note: 'BODY-MARKER-7d1f' } });
      h.app.log.info({ headers: { authorization: `Bearer ${TOKEN}`, cookie: 'COOKIE-VALUE', 'x-api-key': 'API-KEY-VALUE' } }, 'headers');
      h.app.log.info({ token: TOKEN, config: { apiKey: 'API-KEY-VALUE', callback: { secret: 'SECRET-VALUE' } } }, 'fields');
      const out = lines.join('');
      expect(out).toContain('incoming request');
      expect(out).toContain('[redacted]');
      for (const secret of [TOKEN, 'COOKIE-VALUE', 'API-KEY-VALUE', 'SECRET-VALUE', 'BODY-MARKER-7d1f', 'BODY-SECRET-9a2c']) {
        expect(out).not.toContain(secret);
      }
    } finally {
      await h.close();
    }
  });
});
