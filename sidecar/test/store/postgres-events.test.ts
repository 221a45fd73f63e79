import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { StoredEvent } from '../../src/core/types';
import { eventChannel, PostgresEventFeed } from '../../src/store/postgres/event-feed';
import { PostgresStore } from '../../src/store/postgres/store';
import { createTestDatabase, postgresStatus } from '../support/postgres';
import { runRecord } from '../support/records';

const status = postgresStatus();
if (!status.available) console.warn(`Postgres cross-process events: skipped (${status.reason})`);

/** Resolves once `seen` holds n events (or fails the test after 10 s). */
async function until(seen: readonly unknown[], n: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (seen.length < n) {
    if (Date.now() > end) throw new Error(`saw ${seen.length} of ${n} events`);
    await sleep(1);
  }
}

function log(n: number): { runId: string; event: { type: 'log'; message: string } }[] {
  return Array.from({ length: n }, (_, i) => ({ runId: 'r1', event: { type: 'log' as const, message: `m${i}` } }));
}

(status.available ? describe : describe.skip)('Postgres store: events of every process reach every subscriber', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const stores: PostgresStore[] = [];
  const open = async (): Promise<PostgresStore> => {
    const s = await PostgresStore.open({ url: db.url, poolSize: 4 });
    stores.push(s);
    return s;
  };

  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
    await db.drop();
  });

  it("events committed by A arrive at B's subscriber once each, in id order", async () => {
    const [a, b] = [await open(), await open()];
    await a.insertRun(runRecord('r1'), { task: 't' }, null);
    const atB: StoredEvent[] = [];
    const atA: StoredEvent[] = [];
    b.events.subscribe('r1', (e) => atB.push(e));
    a.events.subscribe(null, (e) => atA.push(e));
    const t = Date.now();
    const step = await a.commit({ events: log(3) });
    // A's own subscriber has them when commit resolves, as with the embedded store.
    expect(atA.map((e) => e.id)).toEqual(step.events.map((e) => e.id));
    await until(atB, 3);
    const latency = Date.now() - t;
    expect(atB.map((e) => e.id)).toEqual(step.events.map((e) => e.id));
    expect(atB[0].event).toEqual({ type: 'log', message: 'm0' });
    expect(latency).toBeLessThan(1_000);
    await sleep(100);
    expect(atB).toHaveLength(3);
    // Per event: A's commit, then the delay until B's listener has it.
    const commitMs: number[] = [];
    const deliveryMs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = process.hrtime.bigint();
      await a.commit({ events: log(1) });
      const committed = process.hrtime.bigint();
      await until(atB, 4 + i);
      commitMs.push(Number(committed - start) / 1e6);
      deliveryMs.push(Number(process.hrtime.bigint() - committed) / 1e6);
    }
    const median = (xs: number[]): string => [...xs].sort((x, y) => x - y)[xs.length >> 1].toFixed(2);
    const worst = (xs: number[]): string => Math.max(...xs).toFixed(2);
    process.stdout.write(
      `cross-process event: commit median ${median(commitMs)} ms; then to B's subscriber median ${median(deliveryMs)} ms, max ${worst(deliveryMs)} ms\n`,
    );
  });

  it('under several concurrent writers in two stores, every subscriber sees every event once and in order', async () => {
    const [a, b, c] = [await open(), await open(), await open()];
    for (let r = 0; r < 4; r++) await a.insertRun(runRecord(`w${r}`), { task: 't' }, null);
    const seen = new Map<string, StoredEvent[]>([
      ['a', []],
      ['b', []],
      ['c', []],
    ]);
    a.events.subscribe(null, (e) => seen.get('a')!.push(e));
    b.events.subscribe(null, (e) => seen.get('b')!.push(e));
    c.events.subscribe(null, (e) => seen.get('c')!.push(e));
    const perRun = c.events.subscribe('w2', () => undefined);
    // Eight writers (four per store, all at once), 25 steps of 1–3 events each.
    const writers = [a, b].flatMap((s, si) =>
      [0, 1, 2, 3].map(async (r) => {
        const ids: number[] = [];
        for (let i = 0; i < 25; i++) {
          const n = 1 + ((i + r + si) % 3);
          const step = await s.commit({
            events: Array.from({ length: n }, (_, k) => ({ runId: `w${r}`, event: { type: 'log' as const, message: `${si}:${i}:${k}` } })),
          });
          ids.push(...step.events.map((e) => e.id));
        }
        return ids;
      }),
    );
    const written = (await Promise.all(writers)).flat().sort((x, y) => x - y);
    for (const list of seen.values()) await until(list, written.length);
    await sleep(200);
    for (const [, list] of seen) {
      expect(list.map((e) => e.id)).toEqual(written);
    }
    perRun();
  });

  it('subscribe first, then read since(lastId), dedupe by id: nothing is lost while another process writes', async () => {
    const [writer, reader] = [await open(), await open()];
    await writer.insertRun(runRecord('r1'), { task: 't' }, null);
    await writer.commit({ events: log(5) });
    const lastSeenBefore = (await reader.events.since('r1', 0)).at(1)!.id;
    let stop = false;
    const writing = (async () => {
      let n = 0;
      while (!stop) {
        await writer.commit({ events: log(2) });
        n += 2;
      }
      return n;
    })();
    await sleep(30);
    // The pattern an SSE route follows: subscribe, read the stored tail, then go live.
    const delivered: number[] = [];
    const held: StoredEvent[] = [];
    let live = false;
    let last = lastSeenBefore;
    const send = (e: StoredEvent): void => {
      if (e.id <= last) return;
      delivered.push(e.id);
      last = e.id;
    };
    const off = reader.events.subscribe('r1', (e) => (live ? send(e) : held.push(e)));
    for (const e of await reader.events.since('r1', last)) send(e);
    for (const e of held.sort((x, y) => x.id - y.id)) send(e);
    live = true;
    await sleep(100);
    stop = true;
    await writing;
    const all = (await reader.events.since('r1', lastSeenBefore)).map((e) => e.id);
    await until(delivered, all.length);
    off();
    expect(delivered).toEqual(all);
  });

  it('a lost LISTEN connection is re-established and the events committed meanwhile are delivered', async () => {
    const states: boolean[] = [];
    const b = await PostgresStore.open({ url: db.url, poolSize: 2, onEventFeedAvailability: (up) => states.push(up) });
    stores.push(b);
    const a = await open();
    await a.insertRun(runRecord('r1'), { task: 't' }, null);
    const seen: StoredEvent[] = [];
    b.events.subscribe(null, (e) => seen.push(e));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
      );
    } finally {
      await admin.end();
    }
    const step = await a.commit({ events: log(4) });
    await until(seen, 4);
    expect(seen.map((e) => e.id)).toEqual(step.events.map((e) => e.id));
    expect(states).toEqual([false, true]);
  });

  it('a store without subscribers reads no events, and one that subscribes later hears only what follows', async () => {
    const [a, b] = [await open(), await open()];
    await a.insertRun(runRecord('r1'), { task: 't' }, null);
    await a.commit({ events: log(3) });
    await sleep(100);
    const seen: StoredEvent[] = [];
    b.events.subscribe(null, (e) => seen.push(e));
    const step = await a.commit({ events: log(2) });
    await until(seen, 2);
    await sleep(50);
    expect(seen.map((e) => e.id)).toEqual(step.events.map((e) => e.id));
  });

  it("reads once per wake-up, not per event, and never for the events of its own process's steps", async () => {
    const a = await open();
    await a.insertRun(runRecord('r1'), { task: 't' }, null);
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    let reads = 0;
    const feed = await PostgresEventFeed.start({
      url: db.url,
      channel: eventChannel('public'),
      fetch: async (afterId, limit) => {
        reads++;
        return a.events.since(null, afterId, limit);
      },
      maxId: async () => Number((await pool.query<{ m: string }>('SELECT COALESCE(MAX(id), 0) AS m FROM events')).rows[0].m),
    });
    try {
      const seen: StoredEvent[] = [];
      feed.subscribe(null, (e) => seen.push(e));
      const step = await a.commit({ events: log(50) });
      await until(seen, 50);
      expect(seen.map((e) => e.id)).toEqual(step.events.map((e) => e.id));
      expect(reads).toBe(1);
      // A step of this process tells the feed itself (as the store does): no read, not even on its NOTIFY.
      const before = step.events[49].id;
      const own = await a.commit({ events: log(3) });
      feed.committed(before, own.events);
      expect(seen).toHaveLength(53);
      await sleep(200);
      // Its NOTIFY may wake the feed before the step is told (a loaded machine): one read at most,
      // which finds nothing new; never one per event, and no event twice.
      expect(reads).toBeLessThanOrEqual(2);
      expect(seen).toHaveLength(53);
      expect(new Set(seen.map((e) => e.id)).size).toBe(53);
    } finally {
      await feed.close();
      await pool.end();
    }
  });

  it('with crossProcessEvents: false a store opens no LISTEN connection and hears only its own commits', async () => {
    const a = await open();
    const solo = await PostgresStore.open({ url: db.url, poolSize: 1, crossProcessEvents: false });
    stores.push(solo);
    await a.insertRun(runRecord('r1'), { task: 't' }, null);
    const seen: StoredEvent[] = [];
    solo.events.subscribe(null, (e) => seen.push(e));
    await a.commit({ events: log(2) });
    const own = await solo.commit({ events: log(1) });
    await sleep(100);
    expect(seen.map((e) => e.id)).toEqual(own.events.map((e) => e.id));
  });
});
