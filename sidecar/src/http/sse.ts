import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ValidationError } from '../errors/errors';
import type { EngineApi } from '../engine/api';
import type { StoredEvent } from '../core/types';

export interface SseOptions {
  /** Interval of comment lines that keep proxies and load balancers from closing an idle stream. @default 15_000 */
  readonly heartbeatMs: number;
  /** Events read from the store per replay page. @default 500 */
  readonly replayPageSize: number;
  /** Bytes queued for a client that does not read; past this it is disconnected and resumes with Last-Event-ID. @default 8 MiB */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_SSE_OPTIONS: SseOptions = { heartbeatMs: 15_000, replayPageSize: 500, maxBufferedBytes: 8 * 1024 * 1024 };

export function formatEvent(e: StoredEvent): string {
  return `id: ${e.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Where to resume: the `Last-Event-ID` header (what a reconnecting EventSource sends) wins over `?lastEventId=`. */
export function resumeAfter(header: string | string[] | undefined, query: number | undefined): number {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') return query ?? 0;
  const trimmed = raw.trim();
  if (!/^\d{1,16}$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) {
    throw new ValidationError('Invalid headers: `Last-Event-ID` must be a non-negative integer (the id of the last event received)');
  }
  return Number(trimmed);
}

/** Open streams, so a shutting-down server can end them instead of waiting for clients to leave. */
export class SseHub {
  private readonly open = new Set<() => void>();

  add(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

function waitWritable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface StreamArgs {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly engine: EngineApi;
  /** null streams every run. */
  readonly runId: string | null;
  readonly afterId: number;
  readonly options: SseOptions;
  readonly hub: SseHub;
}

/**
 * Replays stored events after `afterId`, then streams live ones, with no gap and no duplicate:
 * it subscribes before reading the store, holds live events back while replaying, and sends
 * each id at most once and in increasing order.
 */
export async function streamEvents(args: StreamArgs): Promise<void> {
  const { request, reply, engine, runId, options } = args;
  const res = reply.raw;
  let lastSent = args.afterId;
  let live = false;
  let closed = false;
  const held: StoredEvent[] = [];

  const write = (chunk: string): void => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > options.maxBufferedBytes) {
      request.log.warn({ runId, lastSent }, 'event stream client is too slow; disconnecting it');
      res.destroy();
    }
  };
  const send = (e: StoredEvent): void => {
    if (e.id <= lastSent) return;
    write(formatEvent(e));
    lastSent = e.id;
  };

  // Subscribed before anything is written, so a failure here is still an ordinary JSON error.
  const unsubscribe = engine.subscribe(runId, (e) => {
    if (closed) return;
    if (live) send(e);
    else held.push(e);
  });
  reply.hijack();
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs);
  const unregister = args.hub.add(() => {
    if (!closed) res.end();
  });
  const cleanup = (): void => {
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    unregister();
  };
  res.on('close', cleanup);
  const socket = request.raw.socket;
  // The client may already be gone, in which case 'close' has fired before we listened.
  if (socket.destroyed) {
    cleanup();
    return;
  }
  socket.setNoDelay(true);
  // Node's per-socket inactivity timeout would cut a quiet stream between heartbeats.
  socket.setTimeout(0);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  write(': connected\n\n');

  try {
    for (;;) {
      const page = await engine.events(runId, lastSent, options.replayPageSize);
      const before = lastSent;
      for (const e of page) send(e);
      if (closed || page.length === 0 || lastSent === before) break;
      if (res.writableNeedDrain) await waitWritable(res);
    }
    held.sort((a, b) => a.id - b.id);
    for (const e of held) send(e);
    held.length = 0;
    live = true;
  } catch (err) {
    request.log.error({ err, runId }, 'event replay failed');
    res.end();
  }
}
