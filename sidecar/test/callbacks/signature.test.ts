import { createHmac } from 'node:crypto';
import { signCallback, verifyCallbackSignature } from '../../src/callbacks/signature';

describe('callback signature', () => {
  const secret = 's3cret-0123456789abcdef';
  const body = '{"runId":"r1","status":"converged","usage":{}}';

  it('is sha256=<hex HMAC over "<timestamp>.<body>">', () => {
    const expected = createHmac('sha256', secret).update(`1700000000000.${body}`).digest('hex');
    expect(signCallback(secret, 1700000000000, body)).toBe(`sha256=${expected}`);
  });

  it('verifies the body, the timestamp and the key', () => {
    const now = 1700000000000;
    const sig = signCallback(secret, now, body);
    const opts = { now: () => now };
    expect(verifyCallbackSignature(secret, String(now), body, sig, opts)).toBe(true);
    expect(verifyCallbackSignature(secret, String(now), `${body} `, sig, opts)).toBe(false);
    expect(verifyCallbackSignature(secret, String(now + 1), body, sig, opts)).toBe(false);
    expect(verifyCallbackSignature(`${secret}x`, String(now), body, sig, opts)).toBe(false);
    expect(verifyCallbackSignature(secret, String(now), body, sig.slice(0, -1), opts)).toBe(false);
    expect(verifyCallbackSignature(secret, undefined, body, sig, opts)).toBe(false);
  });

  it('refuses timestamps outside the tolerance, so captured requests cannot be replayed later', () => {
    const then = 1700000000000;
    const sig = signCallback(secret, then, body);
    expect(verifyCallbackSignature(secret, String(then), body, sig, { now: () => then + 299_000 })).toBe(true);
    expect(verifyCallbackSignature(secret, String(then), body, sig, { now: () => then + 301_000 })).toBe(false);
  });
});
