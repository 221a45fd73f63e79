import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { SidecarConfig } from '../config/config';
import type { RequestAuthenticator } from '../http/auth';
import type { BuildServerDeps, ServerPlugin } from '../http/server';
import { readCookie } from './cookies';
import { resolveLivePageOptions, type LivePageOptions } from './options';
import { livePageRoutes } from './routes';
import { SessionStore, type Session } from './sessions';

export type { LivePageOptions } from './options';
export { SessionStore, type Session } from './sessions';
export { APP_SCRIPT, STYLESHEET } from './assets';

export interface LivePage {
  /** Registers GET /, its assets, POST /ui/session and POST /ui/logout. */
  readonly plugin: ServerPlugin;
  /** Accepts the session cookie; on anything but GET/HEAD/OPTIONS only with the session's `x-csrf-token`. */
  readonly authenticator: RequestAuthenticator;
  readonly sessions: SessionStore;
}

// Methods a cross-site page can make a browser send with cookies without our CSRF token.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The live run page (`GET /`; docs/architecture.md), signed in with the sidecar token, kept by a session cookie. */
export function createLivePage(opts: LivePageOptions): LivePage {
  const options = resolveLivePageOptions(opts);
  const sessions = new SessionStore({ ttlMs: options.sessionTtlMs, maxSessions: options.maxSessions, now: options.now });
  const sessionOf = (request: FastifyRequest): Session | null =>
    options.token === null ? null : sessions.get(readCookie(request.headers.cookie, options.cookieName));

  const authenticator: RequestAuthenticator = (request) => {
    const session = sessionOf(request);
    if (!session) return false;
    if (SAFE_METHODS.has(request.method)) return true;
    return sessions.csrfMatches(session, request.headers['x-csrf-token']);
  };

  const plugin: FastifyPluginAsync = async (app) => {
    livePageRoutes(app, { options, sessions, sessionOf });
  };
  return { plugin, authenticator, sessions };
}

/**
 * What serve.ts passes to buildServer for the live page:
 * `buildServer({ ...deps, ...attachLivePage(config) })`.
 */
export function attachLivePage(
  config: Pick<SidecarConfig, 'token'>,
  opts: Omit<LivePageOptions, 'token'> = {},
): Required<Pick<BuildServerDeps, 'plugins' | 'authenticators'>> {
  const page = createLivePage({ ...opts, token: config.token });
  return { plugins: [page.plugin], authenticators: [page.authenticator] };
}
