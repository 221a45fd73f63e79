/**
 * The script API of the core prelude (runs inside the isolate after PRELUDE_COMMON, in the same
 * closure): agent, parallel, pipeline, phase, log, budget, and the private run/emit/status
 * functions handed back to the host.
 */
export const PRELUDE_API = String.raw`
const AGENT_OPTIONS = ['label', 'phase', 'schema', 'model', 'system', 'tools', 'maxTurns'];
const AGENT_OPTION_SET = new Set(AGENT_OPTIONS);
const APPLY = { arguments: { copy: true }, result: { promise: true, copy: true } };
// A schema object is usually shared by every call of a fan-out: check its shape once.
const checkedSchemas = new WeakSet();
let issued = 0;

function optionError(key, expected, v) {
  return new TypeErrorCtor('agent(prompt, opts): opts.' + key + ' must be ' + expected + ', got ' + describeValue(v));
}
function agentOptions(opts) {
  if (opts === undefined || opts === null) return {};
  if (!isPlainObject(opts)) throw new TypeErrorCtor('agent(prompt, opts): opts must be a plain object, got ' + describeValue(opts));
  const out = {};
  const keys = objectKeys(opts);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!AGENT_OPTION_SET.has(key)) {
      throw new TypeErrorCtor('agent(prompt, opts): unknown option "' + key + '"; known options: ' + AGENT_OPTIONS.join(', '));
    }
    const v = opts[key];
    if (v === undefined || v === null) continue;
    switch (key) {
      case 'label': case 'phase': case 'model': case 'system':
        if (typeof v !== 'string') throw optionError(key, 'a string', v);
        out[key] = v;
        break;
      case 'tools':
        if (!isArray(v) || !v.every(function (t) { return typeof t === 'string' && t !== ''; })) throw optionError(key, 'an array of tool names', v);
        out[key] = v.slice();
        break;
      case 'maxTurns':
        if (!isInteger(v) || v < 1) throw optionError(key, 'a positive integer', v);
        out[key] = v;
        break;
      case 'schema':
        if (!isPlainObject(v)) throw optionError(key, 'a JSON Schema object', v);
        if (!checkedSchemas.has(v)) {
          checkJson(v, 'agent(prompt, opts): opts.schema', 0);
          checkedSchemas.add(v);
        }
        out[key] = v;
        break;
    }
  }
  return out;
}
function settleAgent(r) {
  if (r !== null && typeof r === 'object' && r.ok === true) return r.value;
  throw fromHost(r && r.error);
}
function crossingFailed(e) {
  throw coded('internal', 'agent(): the call could not cross the sandbox boundary: ' + errorText(e));
}
function agent(prompt, opts) {
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw new TypeErrorCtor('agent(prompt, opts?): prompt must be a non-empty string, got ' + describeValue(prompt));
  }
  const clean = agentOptions(opts);
  if (issued >= LIMITS.maxAgents) throw coded('agent_limit', hostMessage('agent_limit', LIMITS.maxAgents));
  issued += 1;
  return hostAgent.apply(undefined, [issued, prompt, clean], APPLY).then(settleAgent, crossingFailed);
}

function checkItems(n) {
  if (n > LIMITS.maxItems) throw coded('item_limit', hostMessage('item_limit', n));
}
function noteFailure(kind, index, e) {
  try { hostLog(kind + '(): item ' + index + ' failed and became null: ' + errorText(e)); } catch (_) { /* logging must not change the outcome */ }
}
// Starts every item at once and waits for all; a failure becomes null unless it ends the run.
function settleAll(kind, n, start) {
  return new PromiseCtor(function (resolve, reject) {
    const results = new Array(n).fill(null);
    let left = n, done = false;
    if (n === 0) { resolve(results); return; }
    function fulfilled(i, v) {
      if (done) return;
      results[i] = v;
      left -= 1;
      if (left === 0) { done = true; resolve(results); }
    }
    function rejected(i, e) {
      if (done) return;
      if (isFatal(e)) { done = true; reject(e); return; }
      noteFailure(kind, i, e);
      fulfilled(i, null);
    }
    for (let i = 0; i < n && !done; i++) {
      let p;
      try { p = start(i); } catch (e) { rejected(i, e); continue; }
      PromiseCtor.resolve(p).then(function (v) { fulfilled(i, v); }, function (e) { rejected(i, e); });
    }
  });
}
function parallel(thunks) {
  if (!isArray(thunks)) {
    throw new TypeErrorCtor('parallel(thunks): expected an array of functions such as items.map(x => () => agent(...)), got ' + describeValue(thunks));
  }
  checkItems(thunks.length);
  const list = thunks.slice();
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    const thenable = t !== null && typeof t === 'object' && typeof t.then === 'function';
    if (typeof t !== 'function' && !thenable) {
      throw new TypeErrorCtor('parallel(thunks): item ' + i + ' is ' + describeValue(t) + '; expected a function such as () => agent(...)');
    }
  }
  return settleAll('parallel', list.length, function (i) { const t = list[i]; return typeof t === 'function' ? t() : t; });
}
async function runStages(stages, item, index) {
  let prev = item;
  for (let k = 0; k < stages.length; k++) prev = await stages[k](prev, item, index);
  return prev;
}
function pipeline(items, ...stages) {
  if (!isArray(items)) throw new TypeErrorCtor('pipeline(items, ...stages): items must be an array, got ' + describeValue(items));
  if (stages.length === 0) throw new TypeErrorCtor('pipeline(items, ...stages): give at least one stage, a function (prev, item, index) => ...');
  for (let k = 0; k < stages.length; k++) {
    if (typeof stages[k] !== 'function') {
      throw new TypeErrorCtor('pipeline(items, ...stages): stage ' + (k + 1) + ' is ' + describeValue(stages[k]) + '; expected a function (prev, item, index) => ...');
    }
  }
  checkItems(items.length);
  const list = items.slice();
  return settleAll('pipeline', list.length, function (i) { return runStages(stages, list[i], i); });
}
function phase(name) {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeErrorCtor('phase(name): name must be a non-empty string, got ' + describeValue(name));
  hostPhase(name);
}
function log(...values) {
  let message = values.map(formatValue).join(' ');
  if (message.length > MAX_LOG_CHARS) message = message.slice(0, MAX_LOG_CHARS) + '… (truncated)';
  hostLog(message);
}
const budget = freeze({
  get total() { return hostBudget().total; },
  spent: function spent() { return hostBudget().spent; },
  remaining: function remaining() {
    const b = hostBudget();
    return { tokens: mathMax(0, b.total.tokens - b.spent.tokens), usd: mathMax(0, b.total.usd - b.spent.usd) };
  },
});
function emit(type, payload) {
  if (typeof type !== 'string' || type === '') throw new TypeErrorCtor('__emit(type, payload): type must be a non-empty string');
  if (!isPlainObject(payload)) throw new TypeErrorCtor('__emit(type, payload): payload must be a plain object, got ' + describeValue(payload));
  hostEmit(type, payload);
}

const API = { args: config.args, agent: agent, parallel: parallel, pipeline: pipeline, phase: phase, log: log, budget: budget };
const apiNames = objectKeys(API);
for (let i = 0; i < apiNames.length; i++) {
  defineProperty(g, apiNames[i], { value: API[apiNames[i]], writable: false, enumerable: false, configurable: false });
}

const SCRIPT_FRAME = /workflow\.js:(\d+):(\d+)/;
function locate(e) {
  try {
    const m = SCRIPT_FRAME.exec(String(e.stack));
    return m ? ' (at line ' + m[1] + ':' + m[2] + ')' : '';
  } catch (_) {
    return '';
  }
}
function describeFailure(e) {
  try {
    const code = e !== null && typeof e === 'object' ? e.code : undefined;
    if (typeof code === 'string' && (RUN_LEVEL.has(code) || hostErrors.has(e))) {
      return { ok: false, code: code, message: String(e.message) };
    }
    if (e instanceof RangeErrorCtor && e.message === 'Array buffer allocation failed') return { ok: false, code: 'memory_limit', message: '' };
    return { ok: false, code: 'script_error', message: errorText(e) + locate(e) };
  } catch (_) {
    return { ok: false, code: 'script_error', message: 'The script threw a value that could not be inspected' };
  }
}
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}
function serialise(value) {
  let json;
  try {
    json = jsonStringify(value === undefined ? null : value);
  } catch (e) {
    return { ok: false, code: 'script_error', message: 'The script returned a value that is not JSON-serialisable: ' + errorText(e) };
  }
  if (json === undefined) json = 'null';
  // UTF-8 never takes fewer bytes than UTF-16 code units, so this is a safe early refusal.
  if (json.length > LIMITS.maxResultBytes) return { ok: false, code: 'result_too_large', bytes: utf8Length(json) };
  return { ok: true, json: json };
}
async function run(main) {
  let value;
  try {
    value = await main();
  } catch (e) {
    return describeFailure(e);
  }
  return serialise(value);
}
function status() {
  return issued;
}
`;
