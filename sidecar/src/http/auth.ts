import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors/errors';
import { sendError } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without credentials (health; the live page's sign-in form). */
    public?: boolean;
  }
}

/**
 * One way of proving a request may use the API. The bearer token is always one; the live page
 * adds a session-cookie authenticator through `buildServer({ authenticators })`.
 */
export type RequestAuthenticator = (request: FastifyRequest) => boolean | Promise<boolean>;

/** Constant-time comparison: hashing first gives equal-length buffers whatever the lengths of the inputs. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? (match[1] ?? null) : null;
}

export function bearerAuthenticator(token: string): RequestAuthenticator {
  return (request) => {
    const presented = bearerToken(request);
    return presented !== null && tokenMatches(presented, token);
  };
}

export interface AuthOptions {
  /** The sidecar token; null turns authentication off (development mode on loopback, enforced by config). */
  readonly token: string | null;
  /** Further ways in, tried after the bearer token. @default [] */
  readonly authenticators?: readonly RequestAuthenticator[];
}

/** Builds `authenticate(request)`: true when any authenticator accepts the request. */
export function createAuthenticate(opts: AuthOptions): (request: FastifyRequest) => Promise<boolean> {
  const { token } = opts;
  if (token === null) return async () => true;
  const all = [bearerAuthenticator(token), ...(opts.authenticators ?? [])];
  return async (request) => {
    for (const auth of all) {
      if (await auth(request)) return true;
    }
    return false;
  };
}

/** The onRequest hook: every route but the public ones needs credentials. */
export function authHook(authenticate: (request: FastifyRequest) => Promise<boolean>) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.routeOptions.config?.public === true) return undefined;
    if (await authenticate(request)) return undefined;
    const err = new UnauthorizedError();
    const challenge = bearerToken(request) === null ? 'Bearer realm="dynamic-workflows"' : 'Bearer realm="dynamic-workflows", error="invalid_token"';
    reply.header('www-authenticate', challenge);
    return sendError(reply, err.status, err.toJSON());
  };
}
