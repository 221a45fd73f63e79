import { randomBytes } from 'node:crypto';
import { tokenMatches } from '../http/auth';
import { AuthThrottle } from '../http/auth-throttle';

export interface Session {
  /** The cookie value: 256 random bits. */
  readonly id: string;
  /** Sent back by the page in `x-csrf-token` on every state-changing request. */
  readonly csrfToken: string;
  /** Unix milliseconds. */
  readonly expiresAt: number;
}

export interface SessionStoreOptions {
  /** @default 12 hours */
  readonly ttlMs: number;
  /** Past this, creating a session ends the oldest one. */
  readonly maxSessions: number;
  readonly now: () => number;
}

const randomId = (): string => randomBytes(32).toString('base64url');

/**
 * Sessions of the live page, in memory only: a restart signs everyone out, which is the safe
 * direction (nothing to steal from the data folder, nothing to expire across restarts).
 */
export class SessionStore {
  // A Map iterates in insertion order, so the first entry is always the oldest session.
  private readonly sessions = new Map<string, Session>();
  /** Wrong tokens at sign-in, per client address: past 10 a minute, sign-in answers 429. */
  readonly signInFailures: AuthThrottle;

  constructor(private readonly opts: SessionStoreOptions) {
    this.signInFailures = new AuthThrottle({ now: opts.now });
  }

  get size(): number {
    this.sweep();
    return this.sessions.size;
  }

  create(): Session {
    this.sweep();
    while (this.sessions.size >= this.opts.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done === true) break;
      this.sessions.delete(oldest.value);
    }
    const session: Session = { id: randomId(), csrfToken: randomId(), expiresAt: this.opts.now() + this.opts.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, or null (unknown, or expired, in which case it is dropped). */
  get(id: string | null | undefined): Session | null {
    if (typeof id !== 'string' || id === '') return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (session.expiresAt <= this.opts.now()) {
      this.sessions.delete(id);
      return null;
    }
    return session;
  }

  /** Whether `presented` is this session's CSRF token (constant time). */
  csrfMatches(session: Session, presented: string | string[] | undefined): boolean {
    if (typeof presented !== 'string' || presented === '') return false;
    return tokenMatches(presented, session.csrfToken);
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Drops expired sessions from the front: sessions expire in creation order (one fixed lifetime). */
  private sweep(): void {
    const now = this.opts.now();
    for (const [id, s] of this.sessions) {
      if (s.expiresAt > now) break;
      this.sessions.delete(id);
    }
  }
}
