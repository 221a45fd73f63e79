/**
 * consensus(): independent agents answer one question until an answer has a decisive lead.
 * Runs inside the isolate.
 */
import { keyFunction } from './keys';
import { agentOptionsOf, intOption, optionError, readOptions, stringOption } from './options';
import { askAll, range, roundEvent } from './rounds';

interface Group {
  readonly answer: unknown;
  count: number;
}

interface Vote {
  readonly agent: number;
  readonly angle: string | null;
  readonly answer: unknown;
  readonly counted: boolean;
}

/**
 * consensus(prompt, options) -> { answer, agreement, decided, votes, agents, failed, rounds, evidence }
 *
 * Each agent gets the prompt plus its voter number (and an angle, when given), so no two
 * calls are the same. Round 1 asks minAgents agents. The answer with the most votes is
 * decided once it leads the runner-up by margin votes and has at least quorum votes; until
 * then each round asks the fewest more agents that could decide it, up to maxAgents (then
 * the leading answer is returned with decided: false). Leading by a margin is a sequential
 * test between the two best answers: every vote for the right answer multiplies the odds
 * in its favour, so unanimous agents stop after minAgents, and only split panels cost more.
 * Failed agents (null) are not votes; they are listed in the evidence.
 *
 * Options (besides agent() options: schema, tools, model, system, maxTurns, phase, effort, agentType):
 *   minAgents  agents in the first round                          @default 3
 *   maxAgents  most agents in all                                 @default 11
 *   margin     lead over the runner-up that decides               @default 3
 *   quorum     fewest votes the winning answer needs              @default 3
 *   n          a fixed panel instead: exactly n agents, one round, plurality wins
 *   angles     approaches handed out to the agents in turn (['first principles', …])
 *   key        how answers are compared: a function, a field name, or (default) the
 *              answer normalised (case, spacing and punctuation ignored); with a schema of
 *              one field, that field; a schema of several fields needs a key, since free
 *              text such as a reason would make every answer different
 *   label      shown in the agent log                             @default 'consensus'
 */
export async function consensus(prompt: unknown, options?: unknown): Promise<Record<string, unknown>> {
  const helper = 'consensus';
  if (typeof prompt !== 'string' || prompt.trim() === '') throw optionError(helper, 'expected prompt to be a non-empty string');
  const o = readOptions(helper, options, ['n', 'minAgents', 'maxAgents', 'margin', 'quorum', 'angles', 'key', 'label']);
  const fixed = intOption(helper, o, 'n', 1, 100, null);
  const maxAgents = fixed !== null ? fixed : intOption(helper, o, 'maxAgents', 1, 100, 11);
  const minAgents = fixed !== null ? fixed : intOption(helper, o, 'minAgents', 1, maxAgents, Math.min(3, maxAgents));
  const margin = intOption(helper, o, 'margin', 1, 100, fixed !== null ? 1 : 3);
  const quorum = intOption(helper, o, 'quorum', 1, maxAgents, fixed !== null ? 1 : Math.min(3, maxAgents));
  const angles: unknown = o.angles === undefined ? [] : o.angles;
  if (!isStringArray(angles)) throw optionError(helper, 'expected angles to be an array of strings');
  const keyOf = keyFunction(helper, o.key !== undefined ? o.key : schemaKey(helper, o.schema));
  const label = stringOption(helper, o, 'label', 'consensus');
  const agentOptions = agentOptionsOf(o);

  const groups = new Map<string, Group>(); // answer key -> { answer, count }, in the order answers first appeared
  const evidence: Vote[] = [];
  let asked = 0;
  let rounds = 0;
  let want = minAgents;
  let standing: Group[] = [];
  let decided = false;
  for (;;) {
    rounds++;
    const voters = range(asked, asked + want);
    const answers = await askAll(
      voters.map((i) => ({
        prompt: voterPrompt(prompt, i, angles),
        options: Object.assign({}, agentOptions, { label: label + ' #' + (i + 1) }),
      })),
    );
    asked += want;
    answers.forEach((answer, j) => {
      const i = voters[j];
      const angle = angles.length > 0 ? angles[i % angles.length] : null;
      const key = answer === null || answer === undefined ? null : keyOf(answer);
      evidence.push({ agent: i + 1, angle: angle, answer: answer === undefined ? null : answer, counted: key !== null });
      if (key === null) return;
      const group = groups.get(key);
      if (group) group.count++;
      else groups.set(key, { answer: answer, count: 1 });
    });
    // Stable sort: equal counts keep the order in which the answers first appeared.
    standing = Array.from(groups.values()).sort((a, b) => b.count - a.count);
    const lead = leadOf(standing);
    const top = standing.length > 0 ? standing[0].count : 0;
    decided = top > 0 && lead >= margin && top >= quorum;
    roundEvent(helper, rounds, agreementOf(standing), standing.length, {
      label: label,
      agents: asked,
      decided: decided,
      votes: standing.slice(0, 3).map((g) => ({ answer: preview(g.answer), count: g.count })),
    });
    if (decided || asked >= maxAgents) break;
    want = Math.min(maxAgents - asked, Math.max(1, margin - lead, quorum - top));
  }
  return {
    answer: standing.length > 0 ? standing[0].answer : null,
    agreement: agreementOf(standing),
    decided: decided,
    votes: standing.map((g) => ({ answer: g.answer, count: g.count })),
    agents: asked,
    failed: evidence.filter((e) => e.answer === null).length,
    rounds: rounds,
    evidence: evidence,
  };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((a) => typeof a === 'string');
}

function schemaKey(helper: string, schema: unknown): string | undefined {
  const properties: unknown = schema !== null && typeof schema === 'object' ? (schema as { properties?: unknown }).properties : undefined;
  const props = properties !== null && typeof properties === 'object' ? Object.keys(properties) : [];
  if (props.length === 1) return props[0];
  if (props.length > 1) {
    throw optionError(
      helper,
      'answers with several fields need key: the field to compare, e.g. key: ' +
        JSON.stringify(props[0]) +
        ', or a function, e.g. key: (a) => a.' +
        props[0],
    );
  }
  return undefined;
}

function voterPrompt(prompt: string, i: number, angles: readonly string[]): string {
  const angle = angles.length > 0 ? ', approach: ' + angles[i % angles.length] : '';
  return (
    prompt + '\n\n(Independent answer #' + (i + 1) + angle + '. Work it out on your own; other agents answer the same question separately.)'
  );
}

function leadOf(standing: readonly Group[]): number {
  if (standing.length === 0) return 0;
  return standing[0].count - (standing.length > 1 ? standing[1].count : 0);
}

function agreementOf(standing: readonly Group[]): number | null {
  const votes = standing.reduce((sum, g) => sum + g.count, 0);
  return votes === 0 ? null : standing[0].count / votes;
}

/** A short form of an answer for round events (the full answers are in the result). */
function preview(answer: unknown): string {
  const text = typeof answer === 'string' ? answer : String(JSON.stringify(answer));
  return text.length > 80 ? text.slice(0, 80) + '…' : text;
}
