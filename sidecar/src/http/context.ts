import type { CallbackService } from '../callbacks/service';
import type { SidecarConfig } from '../config/config';
import type { EngineApi } from '../engine/api';
import type { SidecarMetrics } from './metrics';
import type { RouteCatalog } from './openapi';
import type { SseHub, SseOptions } from './sse';

/** What the route files need, handed to each by buildServer (no fastify decorators, so types stay plain). */
export interface HttpContext {
  readonly engine: EngineApi;
  readonly config: SidecarConfig;
  readonly callbacks: CallbackService;
  readonly metrics: SidecarMetrics;
  readonly version: string;
  readonly sse: SseOptions;
  readonly hub: SseHub;
  readonly catalog: RouteCatalog;
}
