import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyPluginCallback } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { CallbackService } from '../callbacks/service';
import type { SidecarConfig } from '../config/config';
import type { EngineApi } from '../engine/api';
import { ConfigError } from '../errors/errors';
import { authHook, createAuthenticate, type RequestAuthenticator } from './auth';
import type { HttpContext } from './context';
import { MethodNotAllowedError, NotFoundError, errorHandler } from './errors';
import { createHttpLogger } from './logger';
import { SidecarMetrics } from './metrics';
import { RouteCatalog } from './openapi';
import { actionsRoutes } from './routes/actions';
import { agentsRoutes } from './routes/agents';
import { callbacksRoutes } from './routes/callbacks';
import { eventsRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { openApiRoutes } from './routes/openapi';
import { runsRoutes } from './routes/runs';
import { workflowsRoutes } from './routes/workflows';
import { DEFAULT_SSE_OPTIONS, SseHub, type SseOptions } from './sse';
import { createValidatorCompiler } from './validation';

export type ServerPlugin = FastifyPluginAsync | FastifyPluginCallback;

export interface BuildServerDeps {
  readonly engine: EngineApi;
  readonly config: SidecarConfig;
  readonly callbacks: CallbackService;
  /** The sidecar's logger; the server logs through a redacting child of it. @default a pino logger at config.logLevel */
  readonly logger?: Logger;
  readonly version: string;
  /** Pass the instance the engine reports usage and model errors to. @default a fresh one */
  readonly metrics?: SidecarMetrics;
  /** Registered after the API routes (the live page at GET / is one). @default [] */
  readonly plugins?: readonly ServerPlugin[];
  /** Ways in besides the bearer token (the live page's session cookie). @default [] */
  readonly authenticators?: readonly RequestAuthenticator[];
  /** @default DEFAULT_SSE_OPTIONS (heartbeat every 15 s) */
  readonly sse?: Partial<SseOptions>;
  /** Largest request body in bytes. @default 4 MiB (a 100k-character task and a 200k-character script fit many times) */
  readonly bodyLimit?: number;
}

/** Malformed HTTP (bad request line, header overflow) never reaches fastify's handlers; answer it in the API's shape too. */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = status === 431 ? 'headers_too_large' : status === 408 ? 'request_timeout' : 'bad_request';
  const body = JSON.stringify({ error: { code, message: `Malformed HTTP request (${STATUS_CODES[status] ?? 'Bad Request'})` } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The sidecar's HTTP API (README.md, "HTTP API"; docs/architecture.md) on fastify, against EngineApi only. */
export function buildServer(deps: BuildServerDeps): FastifyInstance {
  const bodyLimit = deps.bodyLimit ?? 4 * 1024 * 1024;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024)
    throw new ConfigError('Expected `bodyLimit` to be an integer of at least 1024 bytes');
  const metrics = deps.metrics ?? new SidecarMetrics();
  metrics.attachEngine(deps.engine);
  const ctx: HttpContext = {
    engine: deps.engine,
    config: deps.config,
    callbacks: deps.callbacks,
    metrics,
    version: deps.version,
    sse: { ...DEFAULT_SSE_OPTIONS, ...deps.sse },
    hub: new SseHub(),
    catalog: new RouteCatalog(),
  };

  // Typed as fastify's logger interface so the instance is a plain FastifyInstance for route files and plugins.
  const logger: FastifyBaseLogger = createHttpLogger(deps.logger, deps.config.logLevel);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit,
    // Only the time to receive a request is bounded: event streams answer for hours.
    requestTimeout: 60_000,
    return503OnClosing: true,
    clientErrorHandler,
    // Router-level faults (bad URL encoding, overlong path segments) get the API's error shape too.
    frameworkErrors: (err, request, reply) => {
      void errorHandler(err, request, reply);
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });

  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(async (request) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allow = ctx.catalog.methodsFor(path);
    throw allow.length > 0 ? new MethodNotAllowedError(request.method, path, allow) : new NotFoundError(request.method, path);
  });

  // JSON only: other media types get 415, and an empty JSON body counts as no body (actions need none).
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    else parseJson(request, text, done);
  });

  app.addHook('onRoute', (opts) => ctx.catalog.collect(opts));
  app.addHook(
    'onRequest',
    authHook(createAuthenticate({ token: deps.config.token, authenticators: deps.authenticators ?? [] }), {
      tokenless: deps.config.token === null,
    }),
  );
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // API answers carry run data; a plugin (the live page's assets) may choose its own caching.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeHttp(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook('preClose', async () => ctx.hub.closeAll());

  healthRoutes(app, ctx);
  runsRoutes(app, ctx);
  agentsRoutes(app, ctx);
  actionsRoutes(app, ctx);
  callbacksRoutes(app, ctx);
  eventsRoutes(app, ctx);
  workflowsRoutes(app, ctx);
  metricsRoutes(app, ctx);
  openApiRoutes(app, ctx);
  for (const plugin of deps.plugins ?? []) void app.register(plugin);
  return app;
}
