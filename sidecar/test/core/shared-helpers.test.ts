import { abortReason } from '../../src/core/abort';
import { canonicalJson } from '../../src/core/canonical-json';
import { retryAfterMs } from '../../src/core/retry-after';

describe('canonicalJson', () => {
  it('sorts keys at every depth, so key order never changes the text', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('leaves out undefined values and the omitted keys, and writes what JSON cannot as null', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined, () => 1])).toBe('[null,null]');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({ cache_control: { type: 'ephemeral' }, t: [{ cache_control: 1, v: 'x' }] }, new Set(['cache_control']))).toBe(
      '{"t":[{"v":"x"}]}',
    );
  });

  it('agrees with JSON.stringify on what JSON can write', () => {
    const v = { s: 'é "q"\n', n: -1.5e-7, t: true, arr: [0, '', null] };
    expect(JSON.parse(canonicalJson(v))).toEqual(v);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('prefers retry-after-ms, then seconds, then an HTTP date', () => {
    expect(retryAfterMs({ retryAfterMs: '42', retryAfter: '9' }, now)).toBe(42);
    expect(retryAfterMs({ retryAfter: '3' }, now)).toBe(3000);
    expect(retryAfterMs({ retryAfter: '0.5' }, now)).toBe(500);
    expect(retryAfterMs({ retryAfter: 'Thu, 01 Jan 2026 00:00:12 GMT' }, now)).toBe(12_000);
    expect(retryAfterMs({ retryAfter: 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBe(0);
  });
  it('is null when absent or unreadable, and skips a negative retry-after-ms', () => {
    expect(retryAfterMs({}, now)).toBeNull();
    expect(retryAfterMs({ retryAfter: 'soon' }, now)).toBeNull();
    expect(retryAfterMs({ retryAfterMs: '-5', retryAfter: '2' }, now)).toBe(2000);
  });
});

describe('abortReason', () => {
  it("is the signal's own Error, or an AbortError naming a string reason", () => {
    const own = new Error('cancelled by user');
    const a = new AbortController();
    a.abort(own);
    expect(abortReason(a.signal)).toBe(own);
    const b = new AbortController();
    b.abort('run deadline');
    expect(abortReason(b.signal)).toMatchObject({ name: 'AbortError', message: 'run deadline' });
  });
});
