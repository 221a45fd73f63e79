import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { isLoopback } from '../config/config';
import { DwError, UnauthorizedError } from '../errors/errors';
import { AuthThrottle } from './auth-throttle';
import { sendError } from './errors';

/** Development mode without a token answers loopback clients only: a rebound name is refused. */
export class UntrustedHostError extends DwError {
  constructor(host: string) {
    super(
      'untrusted_host',
      `Host ${JSON.stringify(host.slice(0, 100))} is not a loopback name or address; without DW_TOKEN the sidecar answers only requests to localhost or a loopback IP`,
      421,
    );
  }
}

/** Whether a `Host` header names loopback: `localhost` or a loopback IP literal, with any port. */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  const h = header.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
  const name = bracketed ? bracketed[1]! : isIP(h) === 6 ? h : h.replace(/:\d+$/, '');
  return name === 'localhost' || name === 'localhost.' || isLoopback(name);
}

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

/**
 * The onRequest hook: every route but the public ones needs credentials. Without a token
 * (development mode) only requests whose Host is loopback are answered, so a page that
 * rebinds its own name to 127.0.0.1 cannot drive the API. Wrong credentials are counted per
 * client address; past the throttle's limit they get 429 too_many_auth_failures.
 */
export function authHook(
  authenticate: (request: FastifyRequest) => Promise<boolean>,
  opts: { readonly tokenless?: boolean; readonly throttle?: AuthThrottle } = {},
) {
  const throttle = opts.throttle ?? new AuthThrottle();
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (opts.tokenless && !isLoopbackHostHeader(request.headers.host)) {
      const err = new UntrustedHostError(request.headers.host ?? '');
      return sendError(reply, err.status, err.toJSON());
    }
    if (request.routeOptions.config?.public === true) return undefined;
    if (await authenticate(request)) return undefined;
    // Only presented credentials count: a request without any is not a guess.
    const throttled = request.headers.authorization !== undefined ? throttle.fail(request.ip) : null;
    if (throttled) {
      reply.header('retry-after', String(throttled.retryAfterSec));
      return sendError(reply, throttled.status, throttled.toJSON());
    }
    const err = new UnauthorizedError();
    const challenge =
      bearerToken(request) === null ? 'Bearer realm="dynamic-workflows"' : 'Bearer realm="dynamic-workflows", error="invalid_token"';
    reply.header('www-authenticate', challenge);
    return sendError(reply, err.status, err.toJSON());
  };
}
