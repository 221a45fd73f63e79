import type { AddressInfo } from 'node:net';
import type { StoredEvent } from '../../src/core/types';
import { AUTH, makeHarness, waitFor, type Harness } from './harness';
import { openStream, type Frame, type SseStream } from './sse-client';

describe('event streams (SSE over a real socket)', () => {
  let h: Harness;
  let base: string;
  const streams: SseStream[] = [];

  beforeEach(async () => {
    h = makeHarness({ server: { sse: { heartbeatMs: 40, replayPageSize: 7 } } });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await h.close();
  });

  const open = async (path: string, headers: Record<string, string> = {}) => {
    const s = await openStream(`${base}${path}`, { ...AUTH, ...headers });
    streams.push(s);
    return s;
  };
  const log = (runId: string, n: number): StoredEvent[] =>
    Array.from({ length: n }, (_, i) => h.engine.emit(runId, { type: 'log', message: `${runId} #${i}` }));
  const ids = (frames: Frame[]) => frames.map((f) => f.id);
  const expectExactlyOnceInOrder = (frames: Frame[], expected: StoredEvent[]) => {
    expect(ids(frames)).toEqual(expected.map((e) => e.id));
    for (const [i, f] of frames.entries()) {
      expect(f.event).toBe(expected[i]!.event.type);
      expect(JSON.parse(f.data)).toEqual(expected[i]);
    }
  };

  it('resumes after Last-Event-ID with every later event exactly once, in order, across replay and live', async () => {
    const run = h.engine.seed();
    const other = h.engine.seed();
    const before = [...log(run.id, 10), ...log(other.id, 5), ...log(run.id, 20)];
    const lastSeen = before[12]!.id;
    // Events stored while the stream is replaying: some land in the page being read, some after it.
    let calls = 0;
    h.engine.eventsHooks = {
      before: () => {
        if (++calls <= 3) log(run.id, 2);
      },
      after: () => {
        if (calls <= 3) log(run.id, 1);
      },
    };
    const s = await open(`/v1/runs/${run.id}/events`, { 'last-event-id': String(lastSeen) });
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await waitFor(() => calls > 3);
    h.engine.eventsHooks = {};
    const live = log(run.id, 5);
    const expected = h.engine.stored.filter((e) => e.runId === run.id && e.id > lastSeen);
    await s.until((f) => f.length >= expected.length);
    await new Promise((r) => setTimeout(r, 50));
    expectExactlyOnceInOrder(s.frames, expected);
    expect(s.frames[s.frames.length - 1]!.id).toBe(live[4]!.id);
  });

  it('takes ?lastEventId= when there is no header, and the header when there are both', async () => {
    const run = h.engine.seed();
    const events = log(run.id, 6);
    const byQuery = await open(`/v1/runs/${run.id}/events?lastEventId=${events[3]!.id}`);
    await byQuery.until((f) => f.length === 2);
    expect(ids(byQuery.frames)).toEqual([events[4]!.id, events[5]!.id]);
    const both = await open(`/v1/runs/${run.id}/events?lastEventId=${events[0]!.id}`, { 'last-event-id': String(events[4]!.id) });
    await both.until((f) => f.length === 1);
    expect(ids(both.frames)).toEqual([events[5]!.id]);
  });

  it('streams every run on /v1/events, and keeps the stream open after a run ends', async () => {
    const a = h.engine.seed();
    const b = h.engine.seed();
    const s = await open('/v1/events');
    h.engine.setStatus(a.id, 'converged');
    log(b.id, 2);
    h.engine.setStatus(b.id, 'failed');
    await s.until((f) => f.length === 4);
    expect(s.frames.map((f) => f.event)).toEqual(['run.status', 'log', 'log', 'run.status']);
    expect(s.frames.map((f) => JSON.parse(f.data).runId)).toEqual([a.id, b.id, b.id, b.id]);
    const perRun = await open(`/v1/runs/${a.id}/events`);
    await perRun.until((f) => f.length === 1);
    log(a.id, 1);
    await perRun.until((f) => f.length === 2);
  });

  it('sends heartbeat comments on a quiet stream', async () => {
    const run = h.engine.seed();
    const s = await open(`/v1/runs/${run.id}/events`);
    await waitFor(() => s.comments.filter((c) => c === 'heartbeat').length >= 2);
    expect(s.frames).toEqual([]);
  });

  it('unsubscribes from the engine when the client leaves', async () => {
    const run = h.engine.seed();
    const s1 = await open(`/v1/runs/${run.id}/events`);
    const s2 = await open('/v1/events');
    await waitFor(() => h.engine.listenerCount === 2);
    s1.close();
    s2.close();
    await waitFor(() => h.engine.listenerCount === 0);
  });

  it('ends open streams when the server closes, instead of hanging the shutdown', async () => {
    const run = h.engine.seed();
    const s = await open(`/v1/runs/${run.id}/events`);
    await waitFor(() => h.engine.listenerCount === 1);
    const started = Date.now();
    await h.app.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(h.engine.listenerCount).toBe(0);
  });

  it('answers a bad Last-Event-ID or an unknown run with JSON errors, not a stream', async () => {
    const run = h.engine.seed();
    const bad = await fetch(`${base}/v1/runs/${run.id}/events`, { headers: { ...AUTH, 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/Last-Event-ID/);
    const badQuery = await fetch(`${base}/v1/events?lastEventId=-3`, { headers: AUTH });
    expect(badQuery.status).toBe(400);
    const missing = await fetch(`${base}/v1/runs/nope/events`, { headers: AUTH });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('run_not_found');
    expect(h.engine.listenerCount).toBe(0);
  });

  it('disconnects a client that stops reading, so it cannot pin unbounded memory', async () => {
    await h.app.close();
    h = makeHarness({ server: { sse: { maxBufferedBytes: 64 * 1024 } } });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const run = h.engine.seed();
    const res = await fetch(`${base}/v1/runs/${run.id}/events`, { headers: AUTH });
    await waitFor(() => h.engine.listenerCount === 1);
    // The client never reads the body; the server keeps producing until the socket buffers fill.
    for (let i = 0; i < 400 && h.engine.listenerCount > 0; i++) {
      h.engine.emit(run.id, { type: 'log', message: 'x'.repeat(16 * 1024) });
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => h.engine.listenerCount === 0);
    await res.body?.cancel().catch(() => undefined);
  });
});
