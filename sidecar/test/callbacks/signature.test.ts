import { createHmac } from 'node:crypto';
import { signCallback, signedPath, verifyCallbackSignature } from '../../src/callbacks/signature';

describe('callback signature', () => {
  const secret = 's3cret-0123456789abcdef';
  const body = '{"runId":"r1","status":"converged","usage":{}}';
  const P = '/webhook-waiting/7';

  it('is sha256=<hex HMAC over "<timestamp>.<path>.<body>">', () => {
    const expected = createHmac('sha256', secret).update(`1700000000000./webhook-waiting/7.${body}`).digest('hex');
    expect(signCallback(secret, 1700000000000, '/webhook-waiting/7', body)).toBe(`sha256=${expected}`);
  });

  it('covers the path of the target URL, not its query', () => {
    expect(signedPath('http://n8n:5678/webhook-waiting/7?signature=abc#x')).toBe('/webhook-waiting/7');
    const sig = signCallback(secret, 1, '/webhook-waiting/7', body);
    const opts = { now: () => 1 };
    expect(verifyCallbackSignature(secret, '1', '/webhook-waiting/7', body, sig, opts)).toBe(true);
    expect(verifyCallbackSignature(secret, '1', '/webhook-waiting/8', body, sig, opts)).toBe(false);
  });

  it('verifies the body, the timestamp and the key', () => {
    const now = 1700000000000;
    const sig = signCallback(secret, now, P, body);
    const opts = { now: () => now };
    expect(verifyCallbackSignature(secret, String(now), P, body, sig, opts)).toBe(true);
    expect(verifyCallbackSignature(secret, String(now), P, `${body} `, sig, opts)).toBe(false);
    expect(verifyCallbackSignature(secret, String(now + 1), P, body, sig, opts)).toBe(false);
    expect(verifyCallbackSignature(`${secret}x`, String(now), P, body, sig, opts)).toBe(false);
    expect(verifyCallbackSignature(secret, String(now), P, body, sig.slice(0, -1), opts)).toBe(false);
    expect(verifyCallbackSignature(secret, undefined, P, body, sig, opts)).toBe(false);
  });

  it('refuses timestamps outside the tolerance, so captured requests cannot be replayed later', () => {
    const then = 1700000000000;
    const sig = signCallback(secret, then, P, body);
    expect(verifyCallbackSignature(secret, String(then), P, body, sig, { now: () => then + 299_000 })).toBe(true);
    expect(verifyCallbackSignature(secret, String(then), P, body, sig, { now: () => then + 301_000 })).toBe(false);
  });
});
