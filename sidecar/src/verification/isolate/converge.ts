/**
 * converge(): repeat a step until it brings nothing new. Runs inside the isolate.
 */
import { keyFunction } from './keys';
import { agentOptionsOf, functionOption, intOption, optionError, readOptions, stringOption } from './options';
import { roundEvent } from './rounds';

type Decision = 'accepted' | 'rejected';

interface State {
  readonly round: number;
  readonly items: unknown[];
  readonly rejected: unknown[];
  readonly fresh?: unknown[];
  /** The agent() options converge was given, for the step to spread into its own calls. */
  readonly agentOptions: Record<string, unknown>;
}

type Step = (round: number, seen: unknown[], state: State) => unknown;
type Until = (state: State) => unknown;

/**
 * converge(step, options) -> { items, rejected, rounds, stopped, evidence }
 *
 * Calls step(round, seen, state) for round = 1, 2, … . It returns new candidates: an
 * array (all accepted), or { accepted, rejected } (for instance after verify()); null
 * entries (failed agents) are skipped. Every item is keyed and checked against everything
 * seen before, accepted or rejected: the first decision on an item stands, so a rejected
 * item never comes back, and a step that only repeats itself ends the loop. It stops when
 * a round brings nothing new (stopped: 'nothing_new'), when until(state) is true
 * ('until'), or after maxRounds ('max_rounds'). seen is everything seen so far, in order;
 * state is { round, items, rejected, fresh, agentOptions }.
 *
 * converge calls no agent itself: the agent() options it is given (effort, agentType, model,
 * tools, system, maxTurns, phase, schema) reach the step as state.agentOptions, a fresh copy
 * each round, to spread into its calls: agent(p, { ...state.agentOptions, label }).
 *
 * Options:
 *   maxRounds  most rounds                                        @default 5
 *   key        how items are compared: a function, a field name, or (default) the item
 *              normalised (case, spacing and punctuation ignored; JSON for objects)
 *   until      state => boolean, checked after each round that brought something new
 *   label      shown in round events                              @default 'converge'
 */
export async function converge(step: unknown, options?: unknown): Promise<Record<string, unknown>> {
  const helper = 'converge';
  if (typeof step !== 'function') throw optionError(helper, 'expected step to be a function (round, seen) => items');
  const stepFn = step as Step;
  const o = readOptions(helper, options, ['maxRounds', 'key', 'until', 'label']);
  const maxRounds = intOption(helper, o, 'maxRounds', 1, 1000, 5);
  const keyOf = keyFunction(helper, o.key);
  const until = functionOption<Until>(helper, o, 'until');
  const label = stringOption(helper, o, 'label', 'converge');
  const agentOptions = agentOptionsOf(o);

  const decided = new Map<string, Decision>(); // item key -> 'accepted' | 'rejected'
  const seen: unknown[] = [];
  const items: unknown[] = [];
  const rejected: unknown[] = [];
  const evidence: Array<Record<string, unknown>> = [];
  let rounds = 0;
  let stopped = 'max_rounds';
  while (rounds < maxRounds) {
    rounds++;
    const proposal = splitProposal(
      await stepFn(rounds, seen.slice(), {
        round: rounds,
        items: items.slice(),
        rejected: rejected.slice(),
        agentOptions: Object.assign({}, agentOptions),
      }),
    );
    const fresh: unknown[] = [];
    const freshRejected: unknown[] = [];
    let repeats = 0;
    // Rejections first: an item both accepted and rejected in one round stays out.
    const lists: ReadonlyArray<readonly [unknown[], Decision]> = [
      [proposal.rejected, 'rejected'],
      [proposal.accepted, 'accepted'],
    ];
    for (const [list, verdict] of lists) {
      for (const item of list) {
        const key = keyOf(item);
        if (key === null || decided.has(key)) {
          repeats++;
          continue;
        }
        decided.set(key, verdict);
        seen.push(item);
        if (verdict === 'accepted') fresh.push(item);
        else freshRejected.push(item);
      }
    }
    items.push(...fresh);
    rejected.push(...freshRejected);
    evidence.push({ round: rounds, accepted: fresh, rejected: freshRejected, repeats: repeats });
    roundEvent(helper, rounds, null, items.length, {
      label: label,
      accepted: fresh.length,
      rejected: freshRejected.length,
      repeats: repeats,
    });
    if (fresh.length === 0 && freshRejected.length === 0) {
      stopped = 'nothing_new';
      break;
    }
    const state = {
      round: rounds,
      items: items.slice(),
      rejected: rejected.slice(),
      fresh: fresh.slice(),
      agentOptions: Object.assign({}, agentOptions),
    };
    if (until && (await until(state))) {
      stopped = 'until';
      break;
    }
  }
  return { items: items, rejected: rejected, rounds: rounds, stopped: stopped, evidence: evidence };
}

function splitProposal(out: unknown): { accepted: unknown[]; rejected: unknown[] } {
  const present = (list: unknown): unknown[] => (Array.isArray(list) ? list.filter((x) => x !== null && x !== undefined) : []);
  if (out === null || out === undefined) return { accepted: [], rejected: [] };
  if (Array.isArray(out)) return { accepted: present(out), rejected: [] };
  if (typeof out === 'object') {
    const o = out as { accepted?: unknown; rejected?: unknown };
    if (Array.isArray(o.accepted) || Array.isArray(o.rejected)) return { accepted: present(o.accepted), rejected: present(o.rejected) };
  }
  throw optionError('converge', 'step must return an array of items or { accepted, rejected }, got ' + typeof out);
}
