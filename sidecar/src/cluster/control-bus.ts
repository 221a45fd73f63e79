import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ControlFailedError, ControlTimeoutError, DwError, toErrorInfo } from '../errors/errors';
import { connectRedis, REDIS_CONNECT_TIMEOUT_MS } from './connection';

/** A control message or its reply: any JSON value (cancel, pause, resume, approve, restart-agent… are the engine's to define). */
export type ControlJson = null | boolean | number | string | ControlJson[] | { [key: string]: ControlJson };

/** What a request comes back with: the owner's reply, or no process owns the run now. */
export type ControlResult = { readonly handled: true; readonly reply: ControlJson } | { readonly handled: false };

/**
 * Serves a process's runs: returns null at once (synchronously) when the run is not executing
 * here, else a promise of the reply. A rejection reaches the requester as an error with the same
 * `code`, message and status.
 */
export type ControlHandler = (runId: string, message: ControlJson) => Promise<ControlJson> | null;

/** Options of a control bus. */
export interface ControlBusOptions {
  /** `DW_REDIS_URL`. */
  readonly url: string;
  /** In front of every channel (`DW_REDIS_PREFIX`). @default 'dw:' */
  readonly prefix?: string;
  /** Time to reach Redis at start before `redis_unavailable`. @default 5_000 */
  readonly connectTimeoutMs?: number;
  /** This process's name on the bus. @default a random UUID */
  readonly processId?: string;
}

/** A request on the bus. */
interface Request {
  readonly type: 'request';
  readonly id: string;
  readonly from: string;
  readonly runId: string;
  readonly message: ControlJson;
}

/** What a serving process answers: not mine, mine (the reply follows), the reply, or the owner's error. */
type Answer =
  | { readonly type: 'skip'; readonly id: string }
  | { readonly type: 'ack'; readonly id: string }
  | { readonly type: 'reply'; readonly id: string; readonly reply: ControlJson }
  | { readonly type: 'error'; readonly id: string; readonly error: { code: string; message: string; status: number } };

interface Pending {
  /** Processes that received the request (known once PUBLISH returns). */
  receivers: number | null;
  /** Processes that said "not mine". */
  skips: number;
  owned: boolean;
  readonly settle: (result: ControlResult | Error) => void;
}

/**
 * Control messages from any API process to the worker that executes the run, over Redis pub/sub,
 * with a reply. A request is published to one channel every serving process listens on; each
 * asks its handler, which knows at once whether the run executes there. The owner acknowledges,
 * then sends the reply to the requester's own channel; the others say "not mine", so a request no
 * process owns is answered `{ handled: false }` as soon as every listener has said so (PUBLISH
 * tells how many received it), not after the timeout. An owner that acknowledged but did not
 * reply in time is `control_timeout`. Pub/sub keeps nothing: a request made while Redis is away
 * fails, and one no process received is `{ handled: false }` — the caller then acts through the
 * store (a run that is between owners reads its state there when it is taken).
 */
export class ControlBus {
  readonly processId: string;
  private readonly requests: string;
  private readonly replyPrefix: string;
  private readonly replies: string;
  private readonly pending = new Map<string, Pending>();
  private handler: ControlHandler | null = null;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    prefix: string,
    processId: string,
  ) {
    this.processId = processId;
    this.requests = `${prefix}control:requests`;
    this.replyPrefix = `${prefix}control:replies:`;
    this.replies = `${this.replyPrefix}${processId}`;
    subscriber.on('message', this.onMessage);
  }

  /** Connects (two connections: commands and subscriptions) or throws `redis_unavailable`. */
  static async open(opts: ControlBusOptions): Promise<ControlBus> {
    const timeout = opts.connectTimeoutMs ?? REDIS_CONNECT_TIMEOUT_MS;
    const purpose = 'Control messages (cancel, pause, approve…) reach the worker that owns a run through it; start Redis';
    const redis = await connectRedis(opts.url, 'dw-control', timeout, { purpose });
    let subscriber: Redis;
    try {
      subscriber = await connectRedis(opts.url, 'dw-control-events', timeout, { purpose });
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    const bus = new ControlBus(redis, subscriber, opts.prefix ?? 'dw:', opts.processId ?? randomUUID());
    await subscriber.subscribe(bus.replies);
    return bus;
  }

  /**
   * Asks the owner of `runId`. Resolves `{ handled: true, reply }`, or `{ handled: false }` when no
   * process owns the run (every listener said so, or nobody answered within `timeoutMs`); rejects
   * with the owner's error, `control_timeout` (it acknowledged, no reply in time), or a Redis error.
   */
  async request(runId: string, message: ControlJson, timeoutMs: number): Promise<ControlResult> {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000)
      throw new RangeError(`Expected \`timeoutMs\` to be 1..600000, got ${timeoutMs}`);
    if (this.closed) throw new Error('The control bus is closed');
    const id = randomUUID();
    const request: Request = { type: 'request', id, from: this.processId, runId, message };
    let timer: NodeJS.Timeout | undefined;
    const result = new Promise<ControlResult | Error>((resolve) => {
      const pending: Pending = {
        receivers: null,
        skips: 0,
        owned: false,
        settle: (r) => {
          if (!this.pending.delete(id)) return;
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.pending.set(id, pending);
      timer = setTimeout(() => pending.settle(pending.owned ? new ControlTimeoutError(runId, timeoutMs) : { handled: false }), timeoutMs);
    });
    let receivers: number;
    try {
      receivers = await this.redis.publish(this.requests, JSON.stringify(request));
    } catch (err) {
      this.pending.get(id)?.settle(err instanceof Error ? err : new Error(String(err)));
      receivers = 0;
    }
    const pending = this.pending.get(id);
    if (pending) {
      pending.receivers = receivers;
      this.decideUnowned(pending);
    }
    const r = await result;
    if (r instanceof Error) throw r;
    return r;
  }

  /** Answers requests for the runs `handler` owns. One handler per bus; resolves once listening. */
  async serve(handler: ControlHandler): Promise<void> {
    if (this.handler) throw new Error('The control bus serves one handler');
    this.handler = handler;
    await this.subscriber.subscribe(this.requests);
  }

  /** Stops serving and requesting (pending requests resolve `{ handled: false }`) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriber.off('message', this.onMessage);
    for (const p of [...this.pending.values()]) p.settle({ handled: false });
    this.redis.disconnect();
    this.subscriber.disconnect();
  }

  private readonly onMessage = (channel: string, raw: string): void => {
    let msg: Request | Answer;
    try {
      msg = JSON.parse(raw) as Request | Answer;
    } catch {
      return;
    }
    if (channel === this.requests && msg.type === 'request') this.answer(msg);
    else if (channel === this.replies && msg.type !== 'request') this.heard(msg);
  };

  private answer(req: Request): void {
    const handler = this.handler;
    if (!handler || this.closed) return;
    const send = (a: Answer): void => {
      this.redis.publish(`${this.replyPrefix}${req.from}`, JSON.stringify(a)).catch(() => undefined);
    };
    let work: Promise<ControlJson> | null;
    try {
      work = handler(req.runId, req.message);
    } catch (err) {
      work = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (work === null) return send({ type: 'skip', id: req.id });
    send({ type: 'ack', id: req.id });
    work.then(
      (reply) => send({ type: 'reply', id: req.id, reply: reply ?? null }),
      (err: unknown) =>
        send({ type: 'error', id: req.id, error: { ...toErrorInfo(err), status: err instanceof DwError ? err.status : 500 } }),
    );
  }

  private heard(a: Answer): void {
    const p = this.pending.get(a.id);
    if (!p) return;
    switch (a.type) {
      case 'skip':
        p.skips++;
        this.decideUnowned(p);
        return;
      case 'ack':
        p.owned = true;
        return;
      case 'reply':
        p.settle({ handled: true, reply: a.reply });
        return;
      case 'error':
        p.settle(new ControlFailedError(a.error.code, a.error.message, a.error.status));
        return;
    }
  }

  /** Every process that received the request said "not mine". */
  private decideUnowned(p: Pending): void {
    if (!p.owned && p.receivers !== null && p.skips >= p.receivers) p.settle({ handled: false });
  }
}
