import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DwError, type ErrorInfo } from '../errors/errors';
import { describeValidationErrors, type ValidationIssue } from './validation';

// HTTP-only errors, kept here until the shared error module takes them.
export class NotFoundError extends DwError {
  constructor(method: string, path: string) {
    super('not_found', `No route ${method} ${path}`, 404);
  }
}
export class MethodNotAllowedError extends DwError {
  readonly allow: readonly string[];
  constructor(method: string, path: string, allow: readonly string[]) {
    super('method_not_allowed', `${method} is not allowed on ${path}; use ${allow.join(', ')}`, 405);
    this.allow = allow;
  }
}
export class ScriptNotReadyError extends DwError {
  constructor(id: string) {
    super('script_not_ready', `Run ${id} has no script yet: it is still being planned`, 404);
  }
}

export interface HttpErrorBody {
  readonly error: ErrorInfo;
}

interface Mapped {
  readonly status: number;
  readonly info: ErrorInfo;
}

// Fastify's own request errors, by their code, mapped onto the API's stable codes.
const FASTIFY_CODES: Readonly<Record<string, Mapped>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, info: { code: 'invalid_json', message: 'The request body is not valid JSON' } },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, info: { code: 'invalid_json', message: 'The request body is empty' } },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, info: { code: 'payload_too_large', message: 'The request body is too large' } },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    info: { code: 'unsupported_media_type', message: 'Send request bodies as application/json' },
  },
  FST_ERR_BAD_URL: { status: 400, info: { code: 'invalid_request', message: 'The URL is not validly encoded' } },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, info: { code: 'uri_too_long', message: 'A path segment of the URL is too long' } },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    info: { code: 'invalid_request', message: 'The request body does not match its Content-Length' },
  },
};

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/** Maps anything a handler or fastify throws onto a status and `{code, message}`; never exposes stacks. */
export function mapError(err: unknown): Mapped {
  if (err instanceof DwError) return { status: err.status, info: err.toJSON() };
  if (isFastifyError(err)) {
    const validation = (err as { validation?: readonly ValidationIssue[] }).validation;
    if (validation) {
      const where = (err as { validationContext?: string }).validationContext ?? 'request';
      return { status: 400, info: { code: 'invalid_request', message: describeValidationErrors(validation, where) } };
    }
    const known = FASTIFY_CODES[err.code];
    if (known) return known;
    // secure-json-parse's prototype-poisoning refusal and other parser faults arrive as plain 400s.
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return { status: err.statusCode, info: { code: err.statusCode === 400 ? 'invalid_request' : 'bad_request', message: err.message } };
    }
  }
  return { status: 500, info: { code: 'internal', message: 'Internal server error' } };
}

export function sendError(reply: FastifyReply, status: number, info: ErrorInfo): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: info } satisfies HttpErrorBody);
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, info } = mapError(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: info.code, status }, 'request rejected');
  if (err instanceof MethodNotAllowedError) reply.header('allow', err.allow.join(', '));
  return sendError(reply, status, info);
}
