import type { AnyNode, Expression, ObjectExpression } from 'acorn';
import type { PhaseDetail, ScriptMeta } from '../core/types';
import type { ScriptIssue } from './check-error';

export type MetaValue = string | number | boolean | null | MetaValue[] | { [k: string]: MetaValue };

const SHAPE = 'meta must be a plain object literal of literal values (strings, numbers, booleans, null, and arrays or objects of those)';

/** Why a node is not a literal, in words a model can act on. */
function describe(node: AnyNode): string {
  switch (node.type) {
    case 'Identifier':
      return `found the variable \`${node.name}\``;
    case 'CallExpression':
      return 'found a function call';
    case 'TemplateLiteral':
      return 'found a template literal with ${…} expressions';
    case 'SpreadElement':
      return 'found a spread (...)';
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      return 'found a function';
    default:
      return `found ${node.type}`;
  }
}

function at(node: AnyNode, message: string): ScriptIssue {
  const start = node.loc?.start;
  return { line: start?.line ?? 1, column: (start?.column ?? 0) + 1, message };
}

function literalValue(node: AnyNode, issues: ScriptIssue[]): MetaValue | undefined {
  switch (node.type) {
    case 'Literal':
      if (node.regex || node.bigint !== undefined) break;
      if (node.value === null || typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean')
        return node.value;
      break;
    case 'TemplateLiteral':
      if (node.expressions.length === 0) return node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('');
      break;
    case 'UnaryExpression':
      if ((node.operator === '-' || node.operator === '+') && node.argument.type === 'Literal' && typeof node.argument.value === 'number') {
        return node.operator === '-' ? -node.argument.value : node.argument.value;
      }
      break;
    case 'ArrayExpression': {
      const out: MetaValue[] = [];
      for (const el of node.elements) {
        if (el === null) {
          issues.push(at(node, `${SHAPE}; found an array hole`));
          return undefined;
        }
        const v = literalValue(el, issues);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'ObjectExpression':
      return objectValue(node, issues);
    default:
      break;
  }
  issues.push(at(node, `${SHAPE}; ${describe(node)}`));
  return undefined;
}

function objectValue(node: ObjectExpression, issues: ScriptIssue[]): MetaValue | undefined {
  // A null prototype keeps a key named __proto__ from changing the object's shape.
  const out: { [k: string]: MetaValue } = Object.create(null) as { [k: string]: MetaValue };
  for (const prop of node.properties) {
    if (prop.type === 'SpreadElement') {
      issues.push(at(prop, `${SHAPE}; ${describe(prop)}`));
      return undefined;
    }
    if (prop.computed || prop.kind !== 'init' || prop.method || prop.shorthand) {
      issues.push(
        at(prop, `${SHAPE}; found a ${prop.shorthand ? 'shorthand property' : prop.computed ? 'computed key' : 'method or accessor'}`),
      );
      return undefined;
    }
    let key: string;
    if (prop.key.type === 'Identifier') key = prop.key.name;
    else if (prop.key.type === 'Literal' && (typeof prop.key.value === 'string' || typeof prop.key.value === 'number'))
      key = String(prop.key.value);
    else {
      issues.push(at(prop.key, `${SHAPE}; found an unsupported key`));
      return undefined;
    }
    const v = literalValue(prop.value, issues);
    if (v === undefined) return undefined;
    out[key] = v;
  }
  return { ...out };
}

const PHASE_SHAPE = 'meta.phases must be an array of phase titles (strings) or of objects { title, detail?, model? }';

/** One entry of meta.phases: a title, or Claude Code's `{ title, detail?, model? }`. */
function phaseEntry(p: MetaValue, i: number, node: AnyNode, issues: ScriptIssue[]): PhaseDetail | null {
  if (typeof p === 'string') return { title: p };
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    issues.push(at(node, `${PHASE_SHAPE}; meta.phases[${i}] is ${p === null ? 'null' : Array.isArray(p) ? 'an array' : typeof p}`));
    return null;
  }
  const title = p['title'];
  if (typeof title !== 'string' || title.trim() === '') {
    issues.push(at(node, `meta.phases[${i}].title must be a non-empty string`));
    return null;
  }
  const out: { title: string; detail?: string; model?: string } = { title };
  for (const field of ['detail', 'model'] as const) {
    const v = p[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') {
      issues.push(at(node, `meta.phases[${i}].${field} must be a string`));
      return null;
    }
    out[field] = v;
  }
  return out;
}

/**
 * The fields the engine reads from meta, checked so a wrong type fails at check time, and the
 * meta as the run record keeps it: `phases` as titles (what the page and the API read), and
 * `phaseDetails` with the objects when the script wrote Claude Code's `{ title, detail?, model? }`.
 */
function normaliseKnownFields(meta: { [k: string]: MetaValue }, node: AnyNode, issues: ScriptIssue[]): ScriptMeta {
  for (const field of ['name', 'description', 'whenToUse'] as const) {
    if (field in meta && typeof meta[field] !== 'string') issues.push(at(node, `meta.${field} must be a string`));
  }
  const phases = meta['phases'];
  if (phases === undefined) return meta as ScriptMeta;
  if (!Array.isArray(phases)) {
    issues.push(at(node, PHASE_SHAPE));
    return meta as ScriptMeta;
  }
  const details: PhaseDetail[] = [];
  for (let i = 0; i < phases.length; i++) {
    const entry = phaseEntry(phases[i], i, node, issues);
    if (entry) details.push(entry);
  }
  if (details.length !== phases.length) return meta as ScriptMeta;
  const titles = details.map((d) => d.title);
  const objects = phases.some((p) => typeof p !== 'string');
  return { ...meta, phases: titles, ...(objects ? { phaseDetails: details } : {}) } as ScriptMeta;
}

/** Evaluates the initialiser of `export const meta = …` without running any code. */
export function extractMeta(init: Expression | null | undefined, declarator: AnyNode, issues: ScriptIssue[]): ScriptMeta | null {
  if (!init) {
    issues.push(at(declarator, `${SHAPE}; it has no value`));
    return null;
  }
  if (init.type !== 'ObjectExpression') {
    issues.push(at(init, `${SHAPE}; ${describe(init)}`));
    return null;
  }
  const before = issues.length;
  const value = objectValue(init, issues);
  if (value === undefined || issues.length > before || value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const meta = normaliseKnownFields(value, init, issues);
  return issues.length > before ? null : meta;
}
