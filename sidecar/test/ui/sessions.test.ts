import { ConfigError } from '../../src/errors/errors';
import { readCookie, sessionCookie } from '../../src/ui/cookies';
import { resolveLivePageOptions } from '../../src/ui/options';
import { SessionStore } from '../../src/ui/sessions';

describe('session store', () => {
  const make = (maxSessions = 10) => {
    let now = 1_000_000;
    const store = new SessionStore({ ttlMs: 60_000, maxSessions, now: () => now });
    return {
      store,
      advance: (ms: number) => {
        now += ms;
      },
    };
  };

  test('sessions get unguessable, distinct ids and CSRF tokens', () => {
    const { store } = make();
    const a = store.create();
    const b = store.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
    expect(store.get(a.id)).toBe(a);
  });

  test('a session expires after its lifetime and is forgotten', () => {
    const { store, advance } = make();
    const s = store.create();
    advance(59_999);
    expect(store.get(s.id)).not.toBeNull();
    advance(1);
    expect(store.get(s.id)).toBeNull();
    expect(store.size).toBe(0);
  });

  test('past the cap, a new sign-in ends the oldest session', () => {
    const { store } = make(2);
    const a = store.create();
    const b = store.create();
    const c = store.create();
    expect(store.get(a.id)).toBeNull();
    expect(store.get(b.id)).not.toBeNull();
    expect(store.get(c.id)).not.toBeNull();
  });

  test('the CSRF token must match exactly', () => {
    const { store } = make();
    const s = store.create();
    expect(store.csrfMatches(s, s.csrfToken)).toBe(true);
    expect(store.csrfMatches(s, `${s.csrfToken}x`)).toBe(false);
    expect(store.csrfMatches(s, '')).toBe(false);
    expect(store.csrfMatches(s, undefined)).toBe(false);
    expect(store.csrfMatches(s, [s.csrfToken])).toBe(false);
  });

  test('unknown, empty and missing ids find nothing', () => {
    const { store } = make();
    expect(store.get('nope')).toBeNull();
    expect(store.get('')).toBeNull();
    expect(store.get(null)).toBeNull();
  });
});

describe('cookies', () => {
  test('the named cookie is found among others, encoded', () => {
    expect(readCookie('a=1; dw_session=abc; b=2', 'dw_session')).toBe('abc');
    expect(readCookie('dw_session=q%2Bv', 'dw_session')).toBe('q+v');
    expect(readCookie('xdw_session=1', 'dw_session')).toBeNull();
    expect(readCookie(undefined, 'dw_session')).toBeNull();
  });

  test('malformed cookie headers are never thrown: a bad encoding stays raw (and matches no session)', () => {
    expect(readCookie('dw_session=%E0%A4%A', 'dw_session')).toBe('%E0%A4%A');
    expect(readCookie(';;=;dw_session', 'dw_session')).toBeNull();
  });

  test('the session cookie is httpOnly, SameSite=Strict, site-wide, and Secure only when asked', () => {
    const c = sessionCookie('dw_session', 'v', { maxAgeSec: 3600, secure: false });
    expect(c.split('; ').sort()).toEqual(['HttpOnly', 'Max-Age=3600', 'Path=/', 'SameSite=Strict', 'dw_session=v']);
    expect(sessionCookie('dw_session', 'v', { maxAgeSec: 1, secure: true }).split('; ')).toContain('Secure');
    expect(sessionCookie('dw_session', '', { maxAgeSec: 0, secure: false })).toContain('Max-Age=0');
  });
});

describe('live page options', () => {
  test('bad options fail with the option named', () => {
    expect(() => resolveLivePageOptions({ token: '' })).toThrow(/`token`/);
    expect(() => resolveLivePageOptions({ token: 't', sessionTtlMs: 10 })).toThrow(/`sessionTtlMs`/);
    expect(() => resolveLivePageOptions({ token: 't', maxSessions: 0 })).toThrow(/`maxSessions`/);
    expect(() => resolveLivePageOptions({ token: 't', cookieName: 'a b' })).toThrow(ConfigError);
  });

  test('defaults: 12-hour sessions, not Secure, dw_session', () => {
    const o = resolveLivePageOptions({ token: null });
    expect(o).toMatchObject({ token: null, secureCookies: false, sessionTtlMs: 12 * 3_600_000, cookieName: 'dw_session' });
  });
});
