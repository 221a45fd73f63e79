import type { AttemptEnd, CallbackRegistration, CallbackStore } from '../../../src/core/callback-store';
import { runRecord } from '../../support/records';
import { CALLBACK_BACKENDS } from './callback-backends';

// One contract, both callback stores: what CallbackService relies on, claims and leases included.
const skipped = CALLBACK_BACKENDS.filter((b) => b.skip);
for (const b of skipped) console.warn(`callback store contract: ${b.name} skipped (${b.skip})`);

const T0 = 1_800_000_000_000;
const LEASE = 10_000;
const iso = (ms: number) => new Date(ms).toISOString();
const delivered = (now: number): AttemptEnd => ({ state: 'delivered', httpStatus: 200, lastError: null, nextAttemptAt: now });
const retryAt = (at: number): AttemptEnd => ({ state: 'pending', httpStatus: 503, lastError: 'HTTP 503', nextAttemptAt: at });

function reg(
  runId: string,
  url = `http://127.0.0.1:9/${runId}`,
  events: CallbackRegistration['events'] = ['converged'],
): CallbackRegistration {
  return { id: `reg-${runId}-${url.length}`, runId, url, events, createdAt: iso(T0) };
}

const group = (id: string, runIds: string[]) => ({
  id,
  url: `http://127.0.0.1:9/g/${id}`,
  runIds,
  wait: 'all' as const,
  count: null,
  events: ['converged' as const],
});

describe.each(CALLBACK_BACKENDS.filter((b) => !b.skip).map((b) => [b.name, b] as const))(
  'CallbackStore contract (%s)',
  (_name, backend) => {
    let store: CallbackStore;
    beforeAll(() => backend.setup());
    afterAll(() => backend.teardown());
    beforeEach(async () => {
      store = await backend.open();
    });

    it('a registration is stored once per run and URL; registering the URL again replaces its events and keeps its id', async () => {
      const first = await store.upsertRegistration(reg('r1'));
      expect(first).toEqual(reg('r1'));
      const again = await store.upsertRegistration({ ...reg('r1'), id: 'another-id', events: ['converged', 'failed'] });
      expect(again).toEqual({ ...reg('r1'), events: ['converged', 'failed'] });
      await store.upsertRegistration(reg('r1', 'http://127.0.0.1:9/second'));
      expect((await store.registrations('r1')).map((r) => r.url)).toEqual(['http://127.0.0.1:9/r1', 'http://127.0.0.1:9/second']);
      expect(await store.registrations('nope')).toEqual([]);
    });

    it('one delivery per registration and status; a registration with a final status enqueued is no longer open', async () => {
      const a = await store.upsertRegistration(reg('r1', undefined, ['awaiting_approval', 'converged']));
      const b = await store.upsertRegistration(reg('r2'));
      expect(await store.enqueue(a, 'awaiting_approval', '{"n":1}', T0)).toBe(true);
      expect(await store.enqueue(a, 'awaiting_approval', '{"n":2}', T0)).toBe(false);
      expect((await store.openRegistrations()).map((r) => r.runId)).toEqual(['r1', 'r2']);
      expect(await store.enqueue(a, 'converged', '{"n":3}', T0 + 1)).toBe(true);
      expect((await store.openRegistrations()).map((r) => r.runId)).toEqual(['r2']);

      const list = await store.deliveries('r1');
      expect(list.map((d) => [d.status, d.body, d.state, d.attempts, d.nextAttemptAt])).toEqual([
        ['awaiting_approval', '{"n":1}', 'pending', 0, T0],
        ['converged', '{"n":3}', 'pending', 0, T0 + 1],
      ]);
      expect(await store.delivery(list[0].id)).toEqual(list[0]);
      expect(await store.delivery(9_999)).toBeNull();
      expect(b.runId).toBe('r2');
    });

    it('a claim takes due deliveries once, counts the attempt, and sends one registration in order, one at a time', async () => {
      const a = await store.upsertRegistration(reg('r1', undefined, ['awaiting_approval', 'converged']));
      const b = await store.upsertRegistration(reg('r2'));
      await store.enqueue(a, 'awaiting_approval', '{}', T0);
      await store.enqueue(a, 'converged', '{}', T0);
      await store.enqueue(b, 'converged', '{}', T0 + 5_000);

      const claimed = await store.claimDeliveries(T0, 10, LEASE);
      expect(claimed.map((d) => [d.runId, d.status, d.state, d.attempts])).toEqual([['r1', 'awaiting_approval', 'delivering', 1]]);
      // Neither the claimed row again, nor the next of its line, nor one not yet due.
      expect(await store.claimDeliveries(T0 + 1, 10, LEASE)).toEqual([]);

      expect(await store.finishDelivery(claimed[0].id, 1, retryAt(T0 + 100), T0 + 10)).toBe(true);
      // A retry waits for its time and still holds the line.
      expect(await store.claimDeliveries(T0 + 99, 10, LEASE)).toEqual([]);
      const retried = await store.claimDeliveries(T0 + 100, 10, LEASE);
      expect(retried.map((d) => [d.status, d.attempts, d.lastError])).toEqual([['awaiting_approval', 2, 'HTTP 503']]);
      expect(await store.finishDelivery(retried[0].id, 2, delivered(T0 + 110), T0 + 110)).toBe(true);

      const rest = await store.claimDeliveries(T0 + 5_000, 10, LEASE);
      expect(rest.map((d) => [d.runId, d.status])).toEqual([
        ['r1', 'converged'],
        ['r2', 'converged'],
      ]);
      expect((await store.delivery(retried[0].id))!).toMatchObject({ state: 'delivered', httpStatus: 200, lastError: null, attempts: 2 });
    });

    it('a claim whose lease ended is taken over; the old holder can no longer record its attempt', async () => {
      const a = await store.upsertRegistration(reg('r1'));
      await store.enqueue(a, 'converged', '{}', T0);
      const [mine] = await store.claimDeliveries(T0, 1, LEASE);
      expect(await store.claimDeliveries(T0 + LEASE - 1, 1, LEASE)).toEqual([]);
      const [theirs] = await store.claimDeliveries(T0 + LEASE, 1, LEASE);
      expect(theirs).toMatchObject({ id: mine.id, state: 'delivering', attempts: 2 });

      expect(await store.finishDelivery(mine.id, mine.attempts, delivered(T0 + LEASE + 1), T0 + LEASE + 1)).toBe(false);
      expect(await store.delivery(mine.id)).toMatchObject({ state: 'delivering', attempts: 2 });
      expect(await store.finishDelivery(theirs.id, theirs.attempts, delivered(T0 + LEASE + 2), T0 + LEASE + 2)).toBe(true);
      expect(await store.finishDelivery(theirs.id, theirs.attempts, retryAt(T0), T0 + LEASE + 3)).toBe(false);
      expect(await store.delivery(mine.id)).toMatchObject({ state: 'delivered', attempts: 2 });
    });

    it('nextDueAt is the soonest retry or claim deadline, null when nothing waits', async () => {
      expect(await store.nextDueAt()).toBeNull();
      const a = await store.upsertRegistration(reg('r1'));
      const b = await store.upsertRegistration(reg('r2'));
      await store.enqueue(a, 'converged', '{}', T0 + 500);
      expect(await store.nextDueAt()).toBe(T0 + 500);
      await store.enqueue(b, 'converged', '{}', T0);
      const [claimed] = await store.claimDeliveries(T0, 1, LEASE);
      expect(claimed.runId).toBe('r2');
      expect(await store.nextDueAt()).toBe(T0 + 500);
      const [other] = await store.claimDeliveries(T0 + 500, 1, LEASE);
      expect(await store.nextDueAt()).toBe(T0 + LEASE);
      await store.finishDelivery(claimed.id, 1, delivered(T0), T0);
      await store.finishDelivery(other.id, 1, delivered(T0), T0);
      expect(await store.nextDueAt()).toBeNull();

      await store.insertGroup(group('g1', ['r1']), T0);
      expect(await store.nextDueAt()).toBeNull();
      await store.settleGroup('g1', '{}', T0 + 42);
      expect(await store.nextDueAt()).toBe(T0 + 42);
    });

    it('claims made at the same moment never share a row', async () => {
      const n = 60;
      for (let i = 0; i < n; i++) await store.enqueue(await store.upsertRegistration(reg(`r${i}`)), 'converged', '{}', T0);
      const handles = [store, await backend.another(), await backend.another()];
      const rounds = await Promise.all(Array.from({ length: 12 }, (_, i) => handles[i % handles.length].claimDeliveries(T0 + i, 7, LEASE)));
      const ids = rounds.flat().map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeLessThanOrEqual(n);
      const left = await store.claimDeliveries(T0 + 100, n, LEASE);
      expect(ids.length + left.length).toBe(n);
    });

    it('a group is stored open with its runs, once per URL, and settled by one caller only', async () => {
      const g = await store.insertGroup(group('g1', ['a', 'b', 'a']), T0);
      expect(g).toMatchObject({ id: 'g1', runIds: ['a', 'b', 'a'], distinct: ['a', 'b'], state: 'open', attempts: 0, body: null });
      expect(await store.insertGroup({ ...group('g2', ['c']), url: g!.url }, T0)).toBeNull();
      expect(await store.group('g2')).toBeNull();
      expect(await store.groupByUrl(g!.url)).toEqual(g);
      await store.insertGroup(group('g3', ['b']), T0 + 1);
      expect((await store.openGroupsOf('b')).map((x) => x.id)).toEqual(['g1', 'g3']);
      expect((await store.openGroups()).map((x) => x.id)).toEqual(['g1', 'g3']);

      const settled = await Promise.all([store.settleGroup('g1', '{"who":1}', T0 + 5), store.settleGroup('g1', '{"who":2}', T0 + 5)]);
      expect(settled.filter(Boolean)).toHaveLength(1);
      expect(await store.group('g1')).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 5 });
      expect((await store.openGroupsOf('b')).map((x) => x.id)).toEqual(['g3']);
    });

    it('a group delivery is claimed, retried, taken over after its lease and finished like a run delivery', async () => {
      await store.insertGroup(group('g1', ['a']), T0);
      expect(await store.claimGroups(T0, 5, LEASE)).toEqual([]);
      await store.settleGroup('g1', '{"body":true}', T0);
      const [mine] = await store.claimGroups(T0, 5, LEASE);
      expect(mine).toMatchObject({ id: 'g1', state: 'delivering', attempts: 1, body: '{"body":true}' });
      expect(await store.claimGroups(T0 + 1, 5, LEASE)).toEqual([]);
      expect(await store.finishGroup('g1', 1, retryAt(T0 + 50), T0 + 1)).toBe(true);
      const [second] = await store.claimGroups(T0 + 50, 5, LEASE);
      expect(second.attempts).toBe(2);
      const [third] = await store.claimGroups(T0 + 50 + LEASE, 5, LEASE);
      expect(third.attempts).toBe(3);
      expect(await store.finishGroup('g1', 2, delivered(T0), T0 + 60 + LEASE)).toBe(false);
      expect(await store.finishGroup('g1', 3, delivered(T0), T0 + 60 + LEASE)).toBe(true);
      expect(await store.group('g1')).toMatchObject({ state: 'delivered', httpStatus: 200, attempts: 3 });
    });

    it("prune takes a pruned run's registrations and deliveries along, and a group once its last run is gone unless it is still to be sent", async () => {
      const runs = await backend.store();
      const old = '2025-01-01T00:00:00.000Z';
      for (const id of ['old', 'old-2', 'new']) {
        await runs.insertRun(
          runRecord(id, { status: 'converged', updatedAt: id === 'new' ? '2026-01-01T00:00:00.000Z' : old }),
          { task: 't' },
          null,
        );
        await store.enqueue(await store.upsertRegistration(reg(id)), 'converged', '{}', T0);
      }
      await store.insertGroup(group('gone', ['old']), T0);
      await store.insertGroup(group('unsent', ['old-2']), T0);
      await store.settleGroup('unsent', '{}', T0);
      await store.insertGroup(group('kept', ['old', 'new']), T0);

      const result = await runs.prune({ days: 30, now: () => Date.parse('2026-01-02T00:00:00.000Z') });

      expect(result).toMatchObject({ runs: 2, callbackDeliveries: 2, callbackRegistrations: 2, callbackGroups: 1 });
      expect(await store.registrations('old')).toEqual([]);
      expect(await store.deliveries('old')).toEqual([]);
      expect(await store.deliveries('new')).toHaveLength(1);
      expect(await store.group('gone')).toBeNull();
      expect(await store.group('unsent')).toMatchObject({ state: 'pending' });
      expect((await store.openGroupsOf('new')).map((g) => g.id)).toEqual(['kept']);
      expect(await store.openGroupsOf('old')).toEqual([]);
    });

    it('requeueInterrupted makes claims due again: every one on SQLite (one process per folder), only ended leases on Postgres', async () => {
      const a = await store.upsertRegistration(reg('r1'));
      await store.enqueue(a, 'converged', '{}', T0);
      await store.insertGroup(group('g1', ['r1']), T0);
      await store.settleGroup('g1', '{}', T0);
      await store.claimDeliveries(T0, 1, LEASE);
      await store.claimGroups(T0, 1, LEASE);

      const early = await store.requeueInterrupted(T0 + 1);
      if (store.kind === 'sqlite') {
        expect(early).toBe(2);
        expect((await store.deliveries('r1'))[0]).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 1, attempts: 1 });
        expect(await store.group('g1')).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 1 });
      } else {
        expect(early).toBe(0);
        expect((await store.deliveries('r1'))[0]).toMatchObject({ state: 'delivering' });
        expect(await store.requeueInterrupted(T0 + LEASE)).toBe(2);
        expect((await store.deliveries('r1'))[0]).toMatchObject({ state: 'pending', nextAttemptAt: T0 + LEASE, attempts: 1 });
      }
    });
  },
);
