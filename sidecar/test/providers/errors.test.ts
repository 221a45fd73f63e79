import { ProviderError } from '../../src/errors/errors';
import { createProvider, kindForStatus, parseRetryAfter, redact } from '../../src/providers';
import { errorResponse, PARAMS, recordingFetch, type Responder } from './recording-fetch';

const KEY = 'sk-ant-api03-Zx9SECRETSECRETSECRET-abcdefgh';

function anthropicWith(responder: Responder) {
  const { fetch } = recordingFetch(responder);
  return createProvider('anthropic', { ANTHROPIC_API_KEY: KEY }, { fetch });
}

async function failure(responder: Responder): Promise<ProviderError> {
  const err: unknown = await anthropicWith(responder)
    .createMessage(PARAMS)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('provider error normalisation', () => {
  it('turns 429 with retry-after seconds into rate_limited with retryAfterMs', async () => {
    const err = await failure(() => errorResponse(429, 'slow down', { 'retry-after': '7' }));
    expect(err.kind).toBe('rate_limited');
    expect(err.code).toBe('model_rate_limited');
    expect(err.retryAfterMs).toBe(7000);
    expect(err.httpStatus).toBe(429);
    expect(err.retryable).toBe(true);
  });

  it('prefers retry-after-ms and reads HTTP-date retry-after', async () => {
    const precise = await failure(() => errorResponse(429, 'x', { 'retry-after-ms': '1250', 'retry-after': '9' }));
    expect(precise.retryAfterMs).toBe(1250);
    const when = new Date(Date.now() + 30_000).toUTCString();
    const dated = await failure(() => errorResponse(429, 'x', { 'retry-after': when }));
    expect(dated.retryAfterMs).toBeGreaterThan(25_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([
    [529, 'overloaded', true],
    [503, 'overloaded', true],
    [500, 'server', true],
    [502, 'server', true],
    [401, 'auth', false],
    [403, 'auth', false],
    [400, 'bad_request', false],
    [404, 'bad_request', false],
  ] as const)('maps HTTP %i to %s', async (status, kind, retryable) => {
    const err = await failure(() => errorResponse(status, `status ${status}`));
    expect(err.kind).toBe(kind);
    expect(err.retryable).toBe(retryable);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('maps connection resets to connection errors', async () => {
    const err = await failure(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    });
    expect(err.kind).toBe('connection');
    expect(err.retryable).toBe(true);
  });

  it('never puts the API key in the message, even when the server echoes it', async () => {
    const err = await failure(() => errorResponse(401, `invalid x-api-key: ${KEY}; header was "Authorization: Bearer ${KEY}"`));
    expect(err.kind).toBe('auth');
    expect(err.message).not.toContain(KEY);
    expect(err.message).not.toContain('SECRETSECRET');
    expect(JSON.stringify(err.toJSON())).not.toContain('SECRETSECRET');
    expect(err.message).toContain('[redacted]');
  });

  it('masks URL-encoded, base64 and partial forms of a key the server echoes', () => {
    const key = 'Qz7/f9+Zr2LmNp4TxW8vBy3HcD==';
    const forms = [
      encodeURIComponent(key),
      Buffer.from(key).toString('base64'),
      Buffer.from(`user:${key}`).toString('base64'),
      Buffer.from(key).toString('base64url'),
      key.slice(3, 17),
      key.slice(-13),
    ];
    const out = redact(`echo: ${forms.join(' | ')} | plain words stay`, [key]);
    for (const f of forms) expect(out).not.toContain(f);
    for (let i = 0; i + 12 <= key.length; i++) expect(out).not.toContain(key.slice(i, i + 12));
    expect(out).toContain('plain words stay');
    expect(out.split('[redacted]').length - 1).toBeGreaterThanOrEqual(forms.length);
  });

  it('never puts the API key in the message of a transport error', async () => {
    const err = await failure(() => {
      throw Object.assign(new TypeError(`request to https://x/?key=${KEY} failed`), { code: 'ECONNREFUSED' });
    });
    expect(err.kind).toBe('connection');
    expect(err.message).not.toContain(KEY);
  });

  it('rejects with the abort reason, not a ProviderError, when the caller cancels', async () => {
    const ac = new AbortController();
    const provider = anthropicWith(
      (_req) =>
        new Promise<Response>((_resolve, reject) => {
          ac.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const reason = new Error('run cancelled');
    const pending = provider.createMessage(PARAMS, ac.signal);
    setTimeout(() => ac.abort(reason), 10);
    await expect(pending).rejects.toBe(reason);
    await expect(provider.createMessage(PARAMS, ac.signal)).rejects.toBe(reason);
  });
});

describe('parseRetryAfter', () => {
  const h = (init: Record<string, string>) => new Headers(init);
  it('reads seconds, fractional seconds, milliseconds and dates', () => {
    expect(parseRetryAfter(h({ 'retry-after': '3' }))).toBe(3000);
    expect(parseRetryAfter(h({ 'retry-after': '0.5' }))).toBe(500);
    expect(parseRetryAfter(h({ 'retry-after-ms': '42' }))).toBe(42);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:12 GMT' }), now)).toBe(12_000);
    expect(parseRetryAfter(h({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter(h({}))).toBeUndefined();
    expect(parseRetryAfter(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(h({ 'retry-after-ms': '-5', 'retry-after': '2' }))).toBe(2000);
  });
});

describe('kindForStatus', () => {
  it('treats every other 4xx as bad_request and 5xx as server', () => {
    expect(kindForStatus(422)).toBe('bad_request');
    expect(kindForStatus(413)).toBe('bad_request');
    expect(kindForStatus(599)).toBe('server');
  });
});

describe('redact', () => {
  it('masks known secrets and key-shaped text but keeps the rest', () => {
    const out = redact('key=abc123xyz789 token sk-ant-api03-aaaaaaaaaa Bearer eyJhbGciOi.x.y AKIAIOSFODNN7EXAMPLE my-own-secret-value', [
      'my-own-secret-value',
    ]);
    expect(out).not.toMatch(/abc123xyz789|sk-ant-api03-a|eyJhbGciOi|AKIAIOSFODNN7EXAMPLE|my-own-secret-value/);
    expect(out).toContain('token');
  });
  it('does not mask very short strings as secrets', () => {
    expect(redact('a bad error', ['a'])).toBe('a bad error');
  });
});
