import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError, ValidationError } from '../errors/errors';
import { tokenMatches } from '../http/auth';
import { sendError } from '../http/errors';
import { APP_SCRIPT, STYLESHEET, type Asset } from './assets';
import { readCookie, sessionCookie } from './cookies';
import type { ResolvedLivePageOptions } from './options';
import type { Session, SessionStore } from './sessions';
import { CONTENT_SECURITY_POLICY, appPage, signInPage } from './shell';

export interface LivePageRouteDeps {
  readonly options: ResolvedLivePageOptions;
  readonly sessions: SessionStore;
  /** The live session a request's cookie names, or null. */
  readonly sessionOf: (request: FastifyRequest) => Session | null;
}

const FORM = 'application/x-www-form-urlencoded';
const SIGN_IN_BODY_LIMIT = 16 * 1024;

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith(FORM);
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .send(body);
}

function sendAsset(
  request: FastifyRequest<{ Querystring: { v?: string } }>,
  reply: FastifyReply,
  a: Asset,
  scope: 'public' | 'private',
): FastifyReply {
  // Versioned URLs never change content; anything else is revalidated.
  const cache = request.query.v === a.version ? `${scope}, max-age=31536000, immutable` : 'no-cache';
  return reply.type(a.type).header('cache-control', cache).header('etag', `"${a.version}"`).send(a.body);
}

/** GET / (sign-in form or the app), its two assets, and POST /ui/session and /ui/logout. */
export function livePageRoutes(app: FastifyInstance, deps: LivePageRouteDeps): void {
  const { options, sessions, sessionOf } = deps;
  const secure = (request: FastifyRequest): boolean => options.secureCookies || request.protocol === 'https';
  const clearCookie = (request: FastifyRequest, reply: FastifyReply): void => {
    reply.header('set-cookie', sessionCookie(options.cookieName, '', { maxAgeSec: 0, secure: secure(request) }));
  };

  // Only here, for the sign-in form that works without JavaScript; the API stays JSON-only.
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: SIGN_IN_BODY_LIMIT }, (_request, body, done) => {
    const fields: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))) fields[k] ??= v;
    done(null, fields);
  });

  app.get('/', { config: { public: true } }, async (request, reply) => {
    if (options.token === null) return html(reply, 200, appPage(null));
    const session = sessionOf(request);
    if (session) return html(reply, 200, appPage(session.csrfToken));
    if (readCookie(request.headers.cookie, options.cookieName) !== null) clearCookie(request, reply);
    return html(reply, 200, signInPage(null));
  });

  app.get<{ Querystring: { v?: string } }>('/ui/app.css', { config: { public: true } }, async (request, reply) =>
    sendAsset(request, reply, STYLESHEET, 'public'),
  );
  // Not public: the app is only for people who are signed in.
  app.get<{ Querystring: { v?: string } }>('/ui/app.js', async (request, reply) => sendAsset(request, reply, APP_SCRIPT, 'private'));

  app.post<{ Body: unknown }>('/ui/session', { config: { public: true }, bodyLimit: SIGN_IN_BODY_LIMIT }, async (request, reply) => {
    const form = isForm(request);
    const body = request.body;
    const presented = body !== null && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
    if (options.token === null) {
      return form ? reply.code(303).header('location', '/').send() : reply.send({ signedIn: true, csrfToken: null, expiresAt: null });
    }
    if (typeof presented !== 'string' || presented === '') {
      if (form) return html(reply, 400, signInPage('Enter the token.'));
      const err = new ValidationError('Expected `token` to be a non-empty string');
      return sendError(reply, err.status, err.toJSON());
    }
    if (!tokenMatches(presented, options.token)) {
      const throttled = sessions.signInFailures.fail(request.ip);
      if (throttled) {
        reply.header('retry-after', String(throttled.retryAfterSec));
        if (form) return html(reply, 429, signInPage('Too many wrong tokens from this address: wait a minute.'));
        return sendError(reply, throttled.status, throttled.toJSON());
      }
      request.log.warn('live page sign-in refused: wrong token');
      if (form) return html(reply, 401, signInPage("That token is not the sidecar's token."));
      const err = new UnauthorizedError('Wrong token');
      return sendError(reply, err.status, err.toJSON());
    }
    const previous = sessionOf(request);
    if (previous) sessions.delete(previous.id);
    const session = sessions.create();
    reply.header(
      'set-cookie',
      sessionCookie(options.cookieName, session.id, { maxAgeSec: options.sessionTtlMs / 1000, secure: secure(request) }),
    );
    request.log.info('live page: signed in');
    if (form) return reply.code(303).header('location', '/').send();
    return reply.send({ signedIn: true, csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() });
  });

  // Not public: a cross-site page cannot sign someone out (it has no CSRF token).
  app.post('/ui/logout', async (request, reply) => {
    const session = sessionOf(request);
    if (session) sessions.delete(session.id);
    clearCookie(request, reply);
    return reply.send({ signedIn: false });
  });
}
