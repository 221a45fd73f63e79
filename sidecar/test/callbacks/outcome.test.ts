import { CallbackHostNotAllowedError } from '../../src/callbacks/errors';
import { backoffDelay, classifyResponse, networkFailure, retryDelay, type DeliveryOutcome } from '../../src/callbacks/outcome';
import type { RetryOptions } from '../../src/callbacks/types';
import { retryAfterMs } from '../../src/core/retry-after';

describe('classifyResponse', () => {
  const now = Date.UTC(2025, 0, 1);

  it("tells n8n's two 409s apart", () => {
    expect(classifyResponse(409, '{"message":"The execution \\"7\\" is running already."}', null, now).kind).toBe('retry');
    expect(classifyResponse(409, '{"message":"The execution \\"7\\" has finished already."}', null, now).kind).toBe('final');
    expect(classifyResponse(409, 'conflict', null, now).kind).toBe('final');
  });

  it('marks only n8n\'s 409 "is running already" as not yet waiting', () => {
    expect(classifyResponse(409, '{"message":"The execution \\"7\\" is running already."}', null, now)).toMatchObject({
      kind: 'retry',
      notYetWaiting: true,
    });
    expect(classifyResponse(503, 'is running already', null, now)).not.toHaveProperty('notYetWaiting');
    expect(networkFailure(new Error('x'), false)).not.toHaveProperty('notYetWaiting');
  });

  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [301, 'final'],
    [400, 'final'],
    [401, 'final'],
    [403, 'final'],
    [404, 'final'],
    [410, 'final'],
    [422, 'final'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(classifyResponse(status, '', null, now).kind).toBe(kind);
  });

  it("gives the status code only: the receiver's answer never becomes the reason", () => {
    const outcome = classifyResponse(500, `boom\n${'x'.repeat(1000)}`, null, now);
    expect(outcome).toEqual({ kind: 'retry', reason: 'HTTP 500', httpStatus: 500, retryAfterMs: null });
  });

  it('reads retry-after in seconds or as a date', () => {
    expect(retryAfterMs({ retryAfter: '7' }, now)).toBe(7000);
    expect(retryAfterMs({ retryAfter: new Date(now + 3000).toUTCString() }, now)).toBe(3000);
    expect(retryAfterMs({ retryAfter: 'soon' }, now)).toBeNull();
    const outcome = classifyResponse(429, '', '2', now);
    expect(outcome.kind === 'retry' && outcome.retryAfterMs).toBe(2000);
  });

  it('network failures are retried and name their code only; a host not allowed is final', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(networkFailure(refused, false)).toEqual({
      kind: 'retry',
      reason: 'network error: ECONNREFUSED',
      httpStatus: null,
      retryAfterMs: null,
    });
    expect(networkFailure(new Error('aborted'), true)).toMatchObject({ kind: 'retry', reason: 'network error: timed out' });
    const denied = new CallbackHostNotAllowedError('Callbacks may not go to 10.0.0.1');
    expect(networkFailure(denied, false)).toEqual({
      kind: 'final',
      reason: 'callback_host_not_allowed: Callbacks may not go to 10.0.0.1',
      httpStatus: null,
    });
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with half of it jittered', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 0.999999)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 0)).toBe(400);
    expect(backoffDelay(30, 100, 10_000, () => 0.5)).toBe(7500);
  });

  it('spreads retries of many deliveries apart', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, 1000, 60_000, Math.random)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(8000);
  });
});

describe('retryDelay', () => {
  const retry: RetryOptions = { baseMs: 500, maxMs: 300_000, maxAttempts: 30, notWaitingMs: [25, 50, 100, 200] };
  const notWaiting = classifyResponse(409, 'The execution "7" is running already.', null, 0) as Extract<DeliveryOutcome, { kind: 'retry' }>;
  const serverError: Extract<DeliveryOutcome, { kind: 'retry' }> = {
    kind: 'retry',
    reason: 'HTTP 500',
    httpStatus: 500,
    retryAfterMs: null,
  };
  const noJitter = () => 0.999999;

  it('retries n8n\'s "is running already" on the short schedule first, then joins the normal backoff from its start', () => {
    const delays = Array.from({ length: 7 }, (_, i) => retryDelay(notWaiting, i + 1, retry, noJitter));
    expect(delays).toEqual([25, 50, 100, 200, 500, 1000, 2000]);
  });

  it('keeps the exponential backoff for every other failure', () => {
    const delays = Array.from({ length: 4 }, (_, i) => retryDelay(serverError, i + 1, retry, noJitter));
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });

  it('a "running already" after other failures still gets the short delay of its attempt', () => {
    expect(retryDelay(notWaiting, 3, retry, noJitter)).toBe(100);
  });

  it('never exceeds maxMs and never comes before the Retry-After', () => {
    expect(retryDelay(notWaiting, 4, { ...retry, maxMs: 60 }, noJitter)).toBe(60);
    expect(retryDelay({ ...serverError, retryAfterMs: 7000 }, 1, retry, noJitter)).toBe(7000);
    expect(retryDelay({ ...serverError, retryAfterMs: 900_000 }, 1, retry, noJitter)).toBe(300_000);
  });

  it('with an empty short schedule, "running already" is backed off like any failure', () => {
    expect(retryDelay(notWaiting, 1, { ...retry, notWaitingMs: [] }, noJitter)).toBe(500);
  });
});
