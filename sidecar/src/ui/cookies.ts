import { parseCookie, stringifySetCookie } from 'cookie';

/** The value of cookie `name` in a Cookie header, or null. Malformed pairs and encodings are skipped, never thrown. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (typeof header !== 'string' || header === '') return null;
  try {
    return parseCookie(header)[name] ?? null;
  } catch {
    return null;
  }
}

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  readonly maxAgeSec: number;
  readonly secure: boolean;
}

/** A Set-Cookie value for the session: never readable by scripts, never sent on cross-site requests. */
export function sessionCookie(name: string, value: string, attrs: CookieAttributes): string {
  const maxAge = Math.max(0, Math.floor(attrs.maxAgeSec));
  return stringifySetCookie({
    name,
    value,
    path: '/',
    maxAge,
    httpOnly: true,
    sameSite: 'strict',
    secure: attrs.secure,
    ...(maxAge === 0 ? { expires: new Date(0) } : {}),
  });
}
