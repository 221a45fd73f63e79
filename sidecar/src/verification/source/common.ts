/**
 * Shared part of the verification prelude: option checks, answer keys, agent calls and round
 * events. JavaScript that runs inside the isolate (never in Node), so it is a string; no
 * backticks or template substitutions inside, so it fits a String.raw literal. It relies on
 * `agent` (the script global) and `emit(type, payload)` (bound by prelude.ts) and nothing else.
 */
export const COMMON_SOURCE = String.raw`
// Keys every helper passes through to agent() unchanged.
const AGENT_OPTIONS = ['schema', 'tools', 'model', 'system', 'maxTurns', 'phase'];

function optionError(helper, message) {
  return new TypeError(helper + ': ' + message);
}

/** The options object, after refusing names the helper does not know (a typo would be ignored silently). */
function readOptions(helper, options, known) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw optionError(helper, 'expected the options to be an object');
  for (const name of Object.keys(options)) {
    if (options[name] !== undefined && !known.includes(name) && !AGENT_OPTIONS.includes(name)) {
      throw optionError(helper, 'unknown option ' + JSON.stringify(name) + ' (known: ' + known.concat(AGENT_OPTIONS).join(', ') + ')');
    }
  }
  return options;
}

function intOption(helper, options, name, min, max, fallback) {
  const value = options[name];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw optionError(helper, 'expected ' + name + ' to be an integer in ' + min + '..' + max + ', got ' + JSON.stringify(value));
  }
  return value;
}

function stringOption(helper, options, name, fallback) {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw optionError(helper, 'expected ' + name + ' to be a string');
  return value;
}

function functionOption(helper, options, name) {
  const value = options[name];
  if (value === undefined) return null;
  if (typeof value !== 'function') throw optionError(helper, 'expected ' + name + ' to be a function');
  return value;
}

function agentOptionsOf(options) {
  const out = {};
  for (const name of AGENT_OPTIONS) if (options[name] !== undefined) out[name] = options[name];
  return out;
}

/**
 * Text as a comparison key: case, spacing and punctuation do not count ("**1,888**" and
 * "1888." are the same answer), but a decimal point or a minus sign inside a number does.
 */
function normaliseText(text) {
  let s = String(text);
  try { s = s.normalize('NFKC'); } catch (_) { /* no ICU: compare as written */ }
  return s.toLowerCase()
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
    .replace(/[^\p{L}\p{N}.\-]+/gu, ' ')
    .replace(/-(?!\d)|(?<!\d)\.|\.(?!\d)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** JSON with object keys sorted, so {a, b} and {b, a} are the same answer. */
function canonicalJson(value) {
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    return '{' + Object.keys(value).sort().filter((k) => value[k] !== undefined)
      .map((k) => JSON.stringify(k) + ':' + canonicalJson(value[k])).join(',') + '}';
  }
  return JSON.stringify(value === undefined ? null : value);
}

function defaultKey(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = normaliseText(value);
    return text === '' ? null : text;
  }
  return canonicalJson(value);
}

/**
 * How answers are compared: key is a function (answer => anything; null means "not a vote"),
 * the name of a field of schema answers, or absent (normalised text, or canonical JSON).
 */
function keyFunction(helper, key) {
  if (key === undefined || key === null) return defaultKey;
  if (typeof key === 'function') {
    return (value) => {
      const k = key(value);
      return k === null || k === undefined ? null : typeof k === 'string' ? k : canonicalJson(k);
    };
  }
  if (typeof key === 'string') {
    return (value) => defaultKey(value !== null && typeof value === 'object' ? value[key] : value);
  }
  throw optionError(helper, 'expected key to be a function or the name of a field');
}

/**
 * Starts every call at once, in array order (so a replay issues them in the same order),
 * and waits for all. agent() gives null for a failed agent; a run-level error (a limit,
 * cancellation) rejects and ends the helper, as it ends the script.
 */
function askAll(calls) {
  return Promise.all(calls.map((call) => agent(call.prompt, call.options)));
}

function roundEvent(helper, round, agreement, survivors, detail) {
  emit('verify.round', { helper: helper, round: round, agreement: agreement, survivors: survivors, detail: detail });
}

function range(from, to) {
  const out = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
`;
