/**
 * The script API of the core prelude (runs inside the isolate): agent, parallel, pipeline, phase,
 * log, budget, args, workflow, and the private run/emit/status/register functions handed back to the host.
 */
import { AGENT_EFFORTS, AGENT_ISOLATIONS, AGENT_OPTION_NAMES, type SCRIPT_API_GLOBALS } from '../../core/names';
import {
  checkJson,
  coded,
  defineProperty,
  describeValue,
  errorText,
  formatValue,
  freeze,
  fromHost,
  g,
  isArray,
  isFatal,
  isInteger,
  isPlainObject,
  jsonParse,
  jsonStringify,
  mathMax,
  MAX_LOG_CHARS,
  objectKeys,
  PromiseCtor,
  recoverableFromHost,
  TypeErrorCtor,
} from './common';
import type {
  AgentReference,
  AgentReply,
  BudgetSnapshot,
  ChildFactory,
  MessageKind,
  PreludeConfig,
  WorkflowReference,
  WorkflowReply,
} from './contract';
import { run } from './result';

export interface ApiHost {
  readonly agent: AgentReference;
  readonly phase: (name: string) => void;
  readonly log: (message: string) => void;
  readonly budget: () => BudgetSnapshot;
  readonly emit: (type: string, payload: Record<string, unknown>) => void;
  readonly message: (kind: MessageKind, arg: unknown) => string;
  readonly workflow: WorkflowReference;
}

type ScriptApi = Record<(typeof SCRIPT_API_GLOBALS)[number], unknown>;

const AGENT_OPTIONS: readonly string[] = AGENT_OPTION_NAMES;
const AGENT_OPTION_SET: ReadonlySet<string> = new Set(AGENT_OPTIONS);
const EFFORTS: readonly string[] = AGENT_EFFORTS;
const ISOLATIONS: readonly string[] = AGENT_ISOLATIONS;
const APPLY = { arguments: { copy: true }, result: { promise: true, copy: true } };

function optionError(key: string, expected: string, v: unknown): TypeError {
  return new TypeErrorCtor('agent(prompt, opts): opts.' + key + ' must be ' + expected + ', got ' + describeValue(v));
}

// A schema object is usually shared by every call of a fan-out: check its shape once.
const checkedSchemas = new WeakSet<object>();

function agentOptions(opts: unknown): Record<string, unknown> {
  if (opts === undefined || opts === null) return {};
  if (!isPlainObject(opts)) throw new TypeErrorCtor('agent(prompt, opts): opts must be a plain object, got ' + describeValue(opts));
  const out: Record<string, unknown> = {};
  const keys = objectKeys(opts);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = opts[key];
    // An option set to undefined is no option at all (objects built with spreads and ternaries).
    if (v === undefined) continue;
    if (!AGENT_OPTION_SET.has(key)) {
      throw new TypeErrorCtor('agent(prompt, opts): unknown option "' + key + '"; known options: ' + AGENT_OPTIONS.join(', '));
    }
    if (v === null) continue;
    switch (key) {
      case 'label':
      case 'phase':
      case 'model':
      case 'system':
      case 'agentType':
        if (typeof v !== 'string') throw optionError(key, 'a string', v);
        out[key] = v;
        break;
      case 'effort':
        if (typeof v !== 'string' || EFFORTS.indexOf(v) < 0) throw optionError(key, "one of '" + EFFORTS.join("', '") + "'", v);
        out[key] = v;
        break;
      case 'isolation':
        if (typeof v !== 'string' || ISOLATIONS.indexOf(v) < 0) throw optionError(key, "'" + ISOLATIONS.join("', '") + "'", v);
        out[key] = v;
        break;
      case 'tools':
        if (
          !isArray(v) ||
          !v.every(function (t) {
            return typeof t === 'string' && t !== '';
          })
        )
          throw optionError(key, 'an array of tool names', v);
        out[key] = v.slice();
        break;
      case 'maxTurns':
        if (!isInteger(v) || (v as number) < 1) throw optionError(key, 'a positive integer', v);
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

function settleAgent(r: AgentReply): unknown {
  if (r !== null && typeof r === 'object' && r.ok === true) return r.value;
  throw fromHost(r && !r.ok ? r.error : undefined);
}

function crossingFailed(what: string): (e: unknown) => never {
  return function (e: unknown): never {
    throw coded('internal', what + '(): the call could not cross the sandbox boundary: ' + errorText(e));
  };
}
const agentCrossingFailed = crossingFailed('agent'),
  workflowCrossingFailed = crossingFailed('workflow');

const WORKFLOW_USAGE = "workflow(nameOrRef, args?): nameOrRef must be a saved workflow's name or { scriptPath: '…' }";

/** The reference as it crosses to the host: a name, or `{ scriptPath }` and nothing else. */
function workflowRef(nameOrRef: unknown): string | { scriptPath: string } {
  if (typeof nameOrRef === 'string' && nameOrRef.trim() !== '') return nameOrRef;
  if (isPlainObject(nameOrRef)) {
    const keys = objectKeys(nameOrRef);
    const scriptPath = nameOrRef.scriptPath;
    if (keys.length === 1 && typeof scriptPath === 'string' && scriptPath.trim() !== '') return { scriptPath: scriptPath };
  }
  throw new TypeErrorCtor(WORKFLOW_USAGE + ', got ' + describeValue(nameOrRef));
}

/** The child gets its own copy of args, as JSON would carry it (undefined stays undefined). */
function childArgs(args: unknown): unknown {
  if (args === undefined) return undefined;
  let json: string | undefined;
  try {
    json = jsonStringify(args);
  } catch (e) {
    throw new TypeErrorCtor('workflow(nameOrRef, args): args must be JSON: ' + errorText(e));
  }
  if (json === undefined) throw new TypeErrorCtor('workflow(nameOrRef, args): args must be JSON, got ' + describeValue(args));
  return jsonParse(json);
}

type Start = (i: number) => unknown;

/** Installs the script API on the global object; returns the private functions for the host. */
export function installApi(
  host: ApiHost,
  config: PreludeConfig,
): { run: typeof run; emit: ApiHost['emit']; status: () => number; register: (factory: ChildFactory) => number } {
  const LIMITS = config.limits;
  let issued = 0;

  function agent(prompt: unknown, opts?: unknown): Promise<unknown> {
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      throw new TypeErrorCtor('agent(prompt, opts?): prompt must be a non-empty string, got ' + describeValue(prompt));
    }
    const clean = agentOptions(opts);
    if (issued >= LIMITS.maxAgents) throw coded('agent_limit', host.message('agent_limit', LIMITS.maxAgents));
    issued += 1;
    return host.agent.apply(undefined, [issued, prompt, clean], APPLY).then(settleAgent, agentCrossingFailed);
  }

  function checkItems(n: number): void {
    if (n > LIMITS.maxItems) throw coded('item_limit', host.message('item_limit', n));
  }
  function noteFailure(kind: string, index: number, e: unknown): void {
    try {
      host.log(kind + '(): item ' + index + ' failed and became null: ' + errorText(e));
    } catch {
      /* logging must not change the outcome */
    }
  }
  // Starts every item at once and waits for all; a failure becomes null unless it ends the run.
  function settleAll(kind: string, n: number, start: Start): Promise<unknown[]> {
    return new PromiseCtor(function (resolve, reject) {
      const results: unknown[] = new Array<unknown>(n).fill(null);
      let left = n,
        done = false;
      if (n === 0) {
        resolve(results);
        return;
      }
      function fulfilled(i: number, v: unknown): void {
        if (done) return;
        results[i] = v;
        left -= 1;
        if (left === 0) {
          done = true;
          resolve(results);
        }
      }
      function rejected(i: number, e: unknown): void {
        if (done) return;
        if (isFatal(e)) {
          done = true;
          reject(e);
          return;
        }
        noteFailure(kind, i, e);
        fulfilled(i, null);
      }
      for (let i = 0; i < n && !done; i++) {
        let p: unknown;
        try {
          p = start(i);
        } catch (e) {
          rejected(i, e);
          continue;
        }
        PromiseCtor.resolve(p).then(
          function (v) {
            fulfilled(i, v);
          },
          function (e: unknown) {
            rejected(i, e);
          },
        );
      }
    });
  }

  function parallel(thunks: unknown): Promise<unknown[]> {
    if (!isArray(thunks)) {
      throw new TypeErrorCtor(
        'parallel(thunks): expected an array of functions such as items.map(x => () => agent(...)), got ' + describeValue(thunks),
      );
    }
    checkItems(thunks.length);
    const list: unknown[] = thunks.slice();
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      const thenable = t !== null && typeof t === 'object' && typeof (t as { then?: unknown }).then === 'function';
      if (typeof t !== 'function' && !thenable) {
        throw new TypeErrorCtor(
          'parallel(thunks): item ' + i + ' is ' + describeValue(t) + '; expected a function such as () => agent(...)',
        );
      }
    }
    return settleAll('parallel', list.length, function (i) {
      const t = list[i];
      return typeof t === 'function' ? (t as () => unknown)() : t;
    });
  }

  type Stage = (prev: unknown, item: unknown, index: number) => unknown;
  async function runStages(stages: readonly Stage[], item: unknown, index: number): Promise<unknown> {
    let prev = item;
    for (let k = 0; k < stages.length; k++) prev = await stages[k](prev, item, index);
    return prev;
  }
  function pipeline(items: unknown, ...stages: unknown[]): Promise<unknown[]> {
    if (!isArray(items)) throw new TypeErrorCtor('pipeline(items, ...stages): items must be an array, got ' + describeValue(items));
    if (stages.length === 0)
      throw new TypeErrorCtor('pipeline(items, ...stages): give at least one stage, a function (prev, item, index) => ...');
    for (let k = 0; k < stages.length; k++) {
      if (typeof stages[k] !== 'function') {
        throw new TypeErrorCtor(
          'pipeline(items, ...stages): stage ' +
            (k + 1) +
            ' is ' +
            describeValue(stages[k]) +
            '; expected a function (prev, item, index) => ...',
        );
      }
    }
    checkItems(items.length);
    const list: unknown[] = items.slice();
    return settleAll('pipeline', list.length, function (i) {
      return runStages(stages as Stage[], list[i], i);
    });
  }

  function phase(name: unknown): void {
    if (typeof name !== 'string' || name.trim() === '')
      throw new TypeErrorCtor('phase(name): name must be a non-empty string, got ' + describeValue(name));
    host.phase(name);
  }
  function log(...values: unknown[]): void {
    let message = values.map(formatValue).join(' ');
    if (message.length > MAX_LOG_CHARS) message = message.slice(0, MAX_LOG_CHARS) + '… (truncated)';
    host.log(message);
  }
  // Claude Code's budget: tokens as plain numbers (`total` null and `remaining()` Infinity when
  // there is no total), so `while (budget.remaining() > n)` and `budget.total / n` work. USD alongside.
  const finite = (n: number): boolean => typeof n === 'number' && n === n && n !== Infinity && n !== -Infinity;
  const left = (total: number, spent: number): number => (finite(total) ? mathMax(0, total - spent) : Infinity);
  const usd = freeze({
    get total() {
      const t = host.budget().total.usd;
      return finite(t) ? t : null;
    },
    spent: function spent() {
      return host.budget().spent.usd;
    },
    remaining: function remaining() {
      const b = host.budget();
      return left(b.total.usd, b.spent.usd);
    },
  });
  const budget = freeze({
    get total() {
      const t = host.budget().total.tokens;
      return finite(t) ? t : null;
    },
    spent: function spent() {
      return host.budget().spent.tokens;
    },
    remaining: function remaining() {
      const b = host.budget();
      return left(b.total.tokens, b.spent.tokens);
    },
    usd: usd,
  });
  function emit(type: string, payload: Record<string, unknown>): void {
    if (typeof type !== 'string' || type === '') throw new TypeErrorCtor('__emit(type, payload): type must be a non-empty string');
    if (!isPlainObject(payload))
      throw new TypeErrorCtor('__emit(type, payload): payload must be a plain object, got ' + describeValue(payload));
    host.emit(type, payload);
  }

  // Children compiled by the host, waiting for the workflow() call that asked for them.
  const children = new Map<number, ChildFactory>();
  let registered = 0;
  function register(factory: ChildFactory): number {
    registered += 1;
    children.set(registered, factory);
    return registered;
  }
  function nested(): never {
    throw recoverableFromHost({ code: 'workflow_nesting', message: host.message('workflow_nesting', null) });
  }
  // The child runs in this isolate with the same agent(), budget and journal: its agents count
  // towards the run's and replay with it. Its `args` and `workflow` are its own (CHILD_WORKFLOW_PARAMS).
  let workflowCalls = 0;
  function workflow(nameOrRef: unknown, args?: unknown): Promise<unknown> {
    const ref = workflowRef(nameOrRef);
    const copy = childArgs(args);
    // Each call crosses to the host and reads a file: bounded like agents, so a loop cannot spin until the deadline.
    if (workflowCalls >= LIMITS.maxAgents) throw coded('workflow_limit', host.message('workflow_limit', LIMITS.maxAgents));
    workflowCalls += 1;
    return host.workflow.apply(undefined, [ref], APPLY).then(function (r: WorkflowReply): Promise<unknown> {
      if (r === null || typeof r !== 'object' || r.ok !== true) throw recoverableFromHost(r && !r.ok ? r.error : undefined);
      const factory = children.get(r.id);
      children.delete(r.id);
      if (factory === undefined) throw coded('internal', 'workflow(): the host answered with a child it never registered');
      return factory(copy, nested)();
    }, workflowCrossingFailed);
  }

  const API: ScriptApi = { args: config.hasArgs ? config.args : undefined, agent, parallel, pipeline, phase, log, budget, workflow };
  const apiNames = objectKeys(API) as Array<keyof ScriptApi>;
  for (let i = 0; i < apiNames.length; i++) {
    defineProperty(g, apiNames[i], { value: API[apiNames[i]], writable: false, enumerable: false, configurable: false });
  }
  // What the host has been asked for: its stall check compares this with the calls it received.
  return { run, emit, status: () => issued + workflowCalls, register };
}
