import { DwError } from '../errors/errors';
import { invalidRequest, OfflineApiError } from './api-error';
import type { OfflineModel } from './model';
import { UNPARSABLE_BODY } from './wire';
import { streamEvents, type SseEvent } from './sse';

/** A request as the router sees it: the HTTP server builds one, tests may call `inject` with one. */
export interface OfflineRequest {
  readonly method: string;
  /** Path with or without a query string (`/v1/messages?beta=true`). */
  readonly path: string;
  /** The raw body; empty for GET. */
  readonly body?: string;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
}

export type OfflineResponse =
  | { readonly kind: 'json'; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: unknown }
  | { readonly kind: 'sse'; readonly status: 200; readonly headers: Readonly<Record<string, string>>; readonly events: readonly SseEvent[] }
  | { readonly kind: 'drop' };

/**
 * The offline model's routes: the Messages API (`/v1/messages`, `/v1/messages/count_tokens`,
 * `/v1/models`) and the control routes under `/_offline/`. Any API key is accepted: there
 * is nothing to protect, and the SDK insists on sending one.
 */
export async function route(model: OfflineModel, req: OfflineRequest): Promise<OfflineResponse> {
  const requestId = model.nextRequestId();
  const path = req.path.split('?')[0].replace(/\/+$/, '') || '/';
  try {
    const method = req.method.toUpperCase();
    if (method === 'POST' && path === '/v1/messages') return messages(model, req, requestId);
    if (method === 'POST' && path === '/v1/messages/count_tokens') return json(200, model.countTokens(parseBody(req.body)), requestId);
    if (method === 'GET' && path === '/v1/models') return json(200, modelPage(model), requestId);
    if (method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const found = model.listModels().find((m) => m.id === id);
      // Any model id works for /v1/messages, so any id is "known" here too.
      return json(
        200,
        found ?? { type: 'model', id, display_name: `${id} (offline)`, created_at: model.listModels()[0]?.created_at ?? '' },
        requestId,
      );
    }
    if (method === 'GET' && path === '/_offline/stats') return json(200, model.stats(), requestId);
    if (method === 'GET' && path === '/_offline/observations') return json(200, model.observations(), requestId);
    if (method === 'GET' && path === '/_offline/knobs') return json(200, model.knobs(), requestId);
    if (method === 'POST' && path === '/_offline/knobs') return json(200, model.setKnobs(parseBody(req.body)), requestId);
    if (method === 'POST' && path === '/_offline/reset') {
      const body = req.body?.trim() ? parseBody(req.body) : {};
      model.reset({ knobs: body !== null && typeof body === 'object' && (body as { knobs?: unknown }).knobs === true });
      return json(200, { ok: true }, requestId);
    }
    throw new OfflineApiError('not_found_error', `${method} ${path} is not a route of the offline model`);
  } catch (err) {
    return errorResponse(toApiError(err), requestId);
  }
}

async function messages(model: OfflineModel, req: OfflineRequest, requestId: string): Promise<OfflineResponse> {
  let body: unknown;
  try {
    body = JSON.parse(req.body ?? '');
  } catch {
    // Still a message request: it counts in the stats and the ordinal, and answers 400 there.
    body = UNPARSABLE_BODY;
  }
  return fromOutcome(await model.messages(body, req.signal), requestId);
}

function fromOutcome(outcome: Awaited<ReturnType<OfflineModel['messages']>>, requestId: string): OfflineResponse {
  if (outcome.kind === 'drop') return { kind: 'drop' };
  if (outcome.kind === 'error') {
    const headers: Record<string, string> = {};
    if (outcome.retryAfterSec !== undefined) {
      headers['retry-after'] = String(outcome.retryAfterSec);
      headers['retry-after-ms'] = String(Math.round(outcome.retryAfterSec * 1000));
    }
    return errorResponse(outcome.error, requestId, headers);
  }
  // The latency the knobs and directives added, so tests can check it without timing the call.
  const latency = { 'x-offline-latency-ms': String(outcome.latencyMs) };
  if (outcome.stream) {
    return {
      kind: 'sse',
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId, ...latency },
      events: streamEvents(outcome.message),
    };
  }
  return json(200, outcome.message, requestId, latency);
}

function modelPage(model: OfflineModel): unknown {
  const data = model.listModels();
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
}

function parseBody(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
}

function toApiError(err: unknown): OfflineApiError {
  if (err instanceof OfflineApiError) return err;
  if (err instanceof DwError && err.status < 500) return invalidRequest(err.message);
  return new OfflineApiError('api_error', `Internal error in the offline model: ${err instanceof Error ? err.message : String(err)}`);
}

function json(status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): OfflineResponse {
  return { kind: 'json', status, headers: { 'content-type': 'application/json', 'request-id': requestId, ...headers }, body };
}

function errorResponse(error: OfflineApiError, requestId: string, headers: Record<string, string> = {}): OfflineResponse {
  return json(error.status, error.body(requestId), requestId, {
    'x-should-retry': String(error.status === 429 || error.status >= 500),
    ...headers,
  });
}
