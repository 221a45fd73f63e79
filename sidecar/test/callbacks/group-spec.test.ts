import { conditionHolds, groupPayload, normalizeGroupSpec } from '../../src/callbacks/group-spec';
import type { RunStatus } from '../../src/core/types';
import { runRecord } from './run-record';

const runs = (...statuses: RunStatus[]) => statuses.map((s, i) => runRecord(`r${i}`, s));
const EVENTS = ['converged', 'failed', 'cancelled'] as const;

describe('callback group conditions', () => {
  it.each([
    ['all', null, ['converged', 'failed', 'cancelled'], true],
    ['all', null, ['converged', 'running', 'failed'], false],
    ['any', 2, ['converged', 'running', 'failed'], true],
    ['any', 2, ['converged', 'running', 'queued'], false],
    ['first', null, ['failed', 'running', 'cancelled'], false],
    ['first', null, ['failed', 'running', 'converged'], true],
    // No run left that could converge: the wait ends with all of them rather than never.
    ['first', null, ['failed', 'cancelled', 'failed'], true],
  ] as const)('%s (count %s) over %j holds: %s', (wait, count, statuses, holds) => {
    expect(conditionHolds({ wait, count, events: EVENTS }, runs(...statuses))).toBe(holds);
  });

  it('counts a run as ended only in a state of `events`, and a run that is gone never', () => {
    expect(conditionHolds({ wait: 'all', count: null, events: ['converged'] }, runs('converged', 'failed'))).toBe(false);
    expect(conditionHolds({ wait: 'all', count: null, events: ['awaiting_approval'] }, runs('awaiting_approval'))).toBe(true);
    expect(conditionHolds({ wait: 'any', count: 1, events: EVENTS }, [null])).toBe(false);
  });

  it('defaults to wait all with the terminal events, and counts distinct runs for `count`', () => {
    expect(normalizeGroupSpec({ runIds: ['a', 'b', 'a'], url: 'http://127.0.0.1/x' })).toMatchObject({
      wait: 'all',
      count: null,
      distinct: ['a', 'b'],
      runIds: ['a', 'b', 'a'],
      events: ['converged', 'failed', 'cancelled'],
    });
    expect(() => normalizeGroupSpec({ runIds: ['a', 'a'], url: 'http://127.0.0.1/x', wait: 'any', count: 2 })).toThrow(/1\.\.1/);
  });

  it('leaves the largest results out, marked, when the body would pass its limit', () => {
    const big = (n: number) => 'x'.repeat(n);
    const records = [
      runRecord('a', 'converged', { result: big(600) }),
      runRecord('b', 'converged', { result: big(100) }),
      runRecord('c', 'converged', { result: big(900) }),
    ];
    const group = { id: 'g', wait: 'all' as const, count: null, runIds: ['a', 'b', 'c'], events: [...EVENTS] };

    const whole = groupPayload(group, ['a', 'b', 'c'], records);
    expect(whole.runs.map((r) => r.resultOmitted)).toEqual([undefined, undefined, undefined]);

    const cut = groupPayload(group, ['a', 'b', 'c'], records, 1_500);
    expect(cut.runs.map((r) => [r.runId, r.resultOmitted ?? false, typeof r.result])).toEqual([
      ['a', false, 'string'],
      ['b', false, 'string'],
      ['c', true, 'object'],
    ]);
    expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(1_500);
  });
});
