/** The value of cookie `name` in a Cookie header, or null. Malformed pairs and encodings are skipped, never thrown. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (typeof header !== 'string' || header === '') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. */
  readonly maxAgeSec: number;
  readonly secure: boolean;
}

/** A Set-Cookie value for the session: never readable by scripts, never sent on cross-site requests. */
export function sessionCookie(name: string, value: string, attrs: CookieAttributes): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(attrs.maxAgeSec))}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (attrs.maxAgeSec <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (attrs.secure) parts.push('Secure');
  return parts.join('; ');
}
