import { getEventListeners } from 'node:events';
import { Gate } from '../../src/engine/gate';

/** Whether a promise has settled, after letting pending callbacks run. */
async function state<T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => {
      s = 'resolved';
    },
    () => {
      s = 'rejected';
    },
  );
  await new Promise((r) => setImmediate(r));
  return s;
}

describe('Gate', () => {
  it('starts open and lets waiters pass at once', async () => {
    const gate = new Gate();
    expect(await state(gate.pass(new AbortController().signal))).toBe('resolved');
  });

  it('holds waiters while closed and releases all of them when opened', async () => {
    const gate = new Gate();
    gate.close();
    const signal = new AbortController().signal;
    const waiters = [gate.pass(signal), gate.pass(signal), gate.pass(signal)];
    for (const w of waiters) expect(await state(w)).toBe('pending');
    gate.open();
    for (const w of waiters) expect(await state(w)).toBe('resolved');
  });

  it('closing again after opening holds new waiters only', async () => {
    const gate = new Gate();
    gate.close();
    const first = gate.pass(new AbortController().signal);
    gate.open();
    gate.close();
    const second = gate.pass(new AbortController().signal);
    expect(await state(first)).toBe('resolved');
    expect(await state(second)).toBe('pending');
    gate.open();
    expect(await state(second)).toBe('resolved');
  });

  it("an abort while waiting rejects with the signal's reason, and a later open does not resolve it", async () => {
    const gate = new Gate();
    gate.close();
    const ac = new AbortController();
    const reason = new Error('run cancelled');
    const waiting = gate.pass(ac.signal);
    const other = gate.pass(new AbortController().signal);
    expect(gate.waiting).toBe(2);
    ac.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    // The aborted waiter is gone from the list at once, not kept until the gate opens.
    expect(gate.waiting).toBe(1);
    gate.open();
    expect(gate.waiting).toBe(0);
    expect(await state(other)).toBe('resolved');
  });

  it('an already aborted signal rejects at once while closed, but passes while open', async () => {
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    const gate = new Gate();
    expect(await state(gate.pass(ac.signal))).toBe('resolved');
    gate.close();
    await expect(gate.pass(ac.signal)).rejects.toThrow('gone');
  });

  it('an abort reason that is not an Error becomes Error("aborted")', async () => {
    const gate = new Gate();
    gate.close();
    const ac = new AbortController();
    const waiting = gate.pass(ac.signal);
    ac.abort('just a string');
    await expect(waiting).rejects.toThrow(/^aborted$/);
  });

  it('a waiter that passed, or gave up, no longer listens to its signal (no leak on long runs)', async () => {
    const gate = new Gate();
    gate.close();
    const ac = new AbortController();
    const waiting = [gate.pass(ac.signal), gate.pass(ac.signal)];
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(2);
    gate.open();
    await Promise.all(waiting);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);

    gate.close();
    const aborted = new AbortController();
    const gaveUp = gate.pass(aborted.signal);
    aborted.abort(new Error('stop'));
    await expect(gaveUp).rejects.toThrow('stop');
    expect(getEventListeners(aborted.signal, 'abort')).toHaveLength(0);
  });
});
