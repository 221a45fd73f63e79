import fs from 'node:fs';
import type { AnyNode, Expression, Node, Pattern, Property, SpreadElement } from 'acorn';
import { full } from 'acorn-walk';
import { toErrorInfo } from '../errors/errors';
// The check's own modules, not the sandbox's index: a static check loads no isolate.
import { analyseScript, type ScriptAnalysis } from '../sandbox/analyse';
import { checkScript } from '../sandbox/check';
import { ScriptCheckIssuesError } from '../sandbox/check-error';
import { VERIFICATION_GLOBALS } from '../sandbox/globals';

/**
 * What a script uses that Claude Code's Workflow tool does not have (README, "Claude Code
 * compatibility", "our extensions"): the agent() options `system`, `tools` and `maxTurns`,
 * `budget.usd`, and the verification helpers `consensus`, `verify` and `converge`.
 */
export const EXTENSION_AGENT_OPTIONS = ['system', 'tools', 'maxTurns'] as const;

export interface ScriptExtension {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly kind: 'agent-option' | 'budget' | 'global';
  /** `tools`, `budget.usd`, `verify`, … */
  readonly name: string;
}

export interface CheckReport {
  readonly file: string;
  readonly valid: true;
  /** True when the script uses only what Claude Code's Workflow tool has. */
  readonly portable: boolean;
  readonly extensions: readonly ScriptExtension[];
}

/** How a person reads one extension. */
export function describeExtension(e: ScriptExtension): string {
  if (e.kind === 'agent-option') return `agent() option \`${e.name}\``;
  if (e.kind === 'budget') return `\`${e.name}\``;
  return `\`${e.name}()\` (verification helper)`;
}

type Named = Node & { name?: string; value?: unknown };

/** A property's key as written, when it is not computed from an expression. */
function keyName(prop: { readonly key: Node; readonly computed: boolean }): string | null {
  const key = prop.key as Named;
  if (!prop.computed && key.type === 'Identifier') return key.name ?? null;
  if (key.type === 'Literal' && typeof key.value === 'string') return key.value;
  return null;
}

function at(node: Node, kind: ScriptExtension['kind'], name: string): ScriptExtension {
  const start = node.loc?.start;
  return { line: start?.line ?? 1, column: (start?.column ?? 0) + 1, kind, name };
}

/**
 * The extensions a script uses, in source order. The check is static and, like the script
 * check, scope-free: a name the script declares itself (its own `verify`) is not the global, and
 * agent() options are found in object literals written at the call, in variables initialised with
 * one (`const opts = {…}; agent(p, opts)`), in spreads and in both arms of `?:`, `&&` and `||`.
 * Options built any other way (returned by a function, assigned later) are not seen.
 * @throws ScriptCheckIssuesError (`script_invalid`) when the script does not pass the script check.
 */
export function findExtensions(source: string): ScriptExtension[] {
  checkScript(source);
  const analysis = analyseScript(source);
  const found = new Map<string, ScriptExtension>();
  const add = (node: Node, kind: ScriptExtension['kind'], name: string): void => {
    found.set(`${node.start}:${name}`, at(node, kind, name));
  };
  const isGlobal = (node: AnyNode | null | undefined, name: string): boolean =>
    node?.type === 'Identifier' && node.name === name && !analysis.declared.has(name);

  for (const id of analysis.references) {
    if ((VERIFICATION_GLOBALS as readonly string[]).includes(id.name) && !analysis.declared.has(id.name)) add(id, 'global', id.name);
  }

  const objectInits = objectInitialisers(analysis);
  full(analysis.program, (node) => {
    if (node.type === 'MemberExpression') {
      const prop = node.property as Named;
      const usd = node.computed ? prop.type === 'Literal' && prop.value === 'usd' : prop.type === 'Identifier' && prop.name === 'usd';
      if (usd && isGlobal(node.object, 'budget')) add(node, 'budget', 'budget.usd');
    } else if (node.type === 'VariableDeclarator' && node.id.type === 'ObjectPattern' && isGlobal(node.init, 'budget')) {
      for (const p of node.id.properties) if (p.type === 'Property' && keyName(p) === 'usd') add(p, 'budget', 'budget.usd');
    } else if (node.type === 'CallExpression' && isGlobal(node.callee, 'agent') && node.arguments.length > 1) {
      for (const prop of optionProperties(node.arguments[1], objectInits, new Set())) {
        const name = keyName(prop);
        const undef = prop.value.type === 'Identifier' && prop.value.name === 'undefined';
        if (name && !undef && (EXTENSION_AGENT_OPTIONS as readonly string[]).includes(name)) add(prop, 'agent-option', name);
      }
    }
  });
  return [...found.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Variable name → the object literals it is initialised with (anywhere: the view is scope-free). */
function objectInitialisers(analysis: ScriptAnalysis): Map<string, Expression[]> {
  const out = new Map<string, Expression[]>();
  full(analysis.program, (node) => {
    if (node.type !== 'VariableDeclarator' || node.id.type !== 'Identifier' || !node.init) return;
    const list = out.get(node.id.name) ?? [];
    list.push(node.init);
    out.set(node.id.name, list);
  });
  return out;
}

/** The properties an options expression may carry, as far as the source shows them. */
function optionProperties(
  node: Expression | SpreadElement | Pattern,
  inits: ReadonlyMap<string, Expression[]>,
  seen: Set<Node>,
): Property[] {
  if (seen.has(node)) return [];
  seen.add(node);
  switch (node.type) {
    case 'ObjectExpression':
      return node.properties.flatMap((p) => (p.type === 'Property' ? [p] : optionProperties(p.argument, inits, seen)));
    case 'SpreadElement':
      return optionProperties(node.argument, inits, seen);
    case 'Identifier':
      return (inits.get(node.name) ?? []).flatMap((init) => optionProperties(init, inits, seen));
    case 'ConditionalExpression':
      return [...optionProperties(node.consequent, inits, seen), ...optionProperties(node.alternate, inits, seen)];
    case 'LogicalExpression':
      return [...optionProperties(node.left, inits, seen), ...optionProperties(node.right, inits, seen)];
    case 'ParenthesizedExpression':
      return optionProperties(node.expression, inits, seen);
    default:
      return [];
  }
}

/** Checks one script file; throws a `script_invalid` error when it does not pass the script check. */
export function checkFile(file: string, source: string): CheckReport {
  const extensions = findExtensions(source);
  return { file, valid: true, portable: extensions.length === 0, extensions };
}

export interface CheckCommandOptions {
  /** One JSON object on stdout instead of lines. */
  readonly json?: boolean;
}

/**
 * `dynamic-workflows check FILE [--json]`: runs the script check on FILE and says whether it uses
 * only what Claude Code's Workflow tool has ("portable") or lists the extensions it uses, each with
 * its line:column. Exit 0 when the script is valid (portable or not), 1 with the check's error
 * when it is not, 2 when the file cannot be read.
 */
export function checkCommand(
  file: string,
  opts: CheckCommandOptions = {},
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): number {
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err.write(`file_unreadable: cannot read ${file}${code ? ` (${code})` : ''}\n`);
    return 2;
  }
  let report: CheckReport;
  try {
    report = checkFile(file, source);
  } catch (e) {
    const info = toErrorInfo(e);
    if (opts.json) {
      const issues = e instanceof ScriptCheckIssuesError ? e.issues : undefined;
      out.write(
        `${JSON.stringify({ file, valid: false, error: { code: info.code, message: info.message, ...(issues ? { issues } : {}) } })}\n`,
      );
    }
    err.write(`${info.code}: ${info.message}\n`);
    return 1;
  }
  if (opts.json) {
    out.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  if (report.portable) {
    out.write(`portable: ${file} uses only what Claude Code's Workflow tool has\n`);
    return 0;
  }
  const n = report.extensions.length;
  const lines = report.extensions.map((e) => `  ${e.line}:${e.column} ${describeExtension(e)}`);
  out.write(
    [`${file} is valid and uses ${n} extension${n === 1 ? '' : 's'} Claude Code's Workflow tool does not have (line:column):`, ...lines]
      .map((l) => `${l}\n`)
      .join(''),
  );
  return 0;
}
