export { buildServer, type BuildServerDeps, type ServerPlugin } from './server';
export {
  authHook,
  bearerAuthenticator,
  bearerToken,
  createAuthenticate,
  tokenMatches,
  type AuthOptions,
  type RequestAuthenticator,
} from './auth';
export { SidecarMetrics, type MetricsOptions } from './metrics';
export { DEFAULT_SSE_OPTIONS, SseHub, formatEvent, resumeAfter, streamEvents, type SseOptions } from './sse';
export { MethodNotAllowedError, NotFoundError, ScriptNotReadyError, mapError, sendError, type HttpErrorBody } from './errors';
export { REDACT_PATHS, createHttpLogger } from './logger';
export { buildOpenApiDocument, RouteCatalog, type RouteDocs } from './openapi';
export type { HttpContext } from './context';
export * as requestSchemas from './schemas/requests';
