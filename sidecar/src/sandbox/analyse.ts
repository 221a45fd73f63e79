import { parse, type AnyNode, type Identifier, type Pattern, type Program } from 'acorn';
import { full } from 'acorn-walk';
import type { ScriptMeta } from '../core/types';
import { ScriptCheckIssuesError, type ScriptIssue } from './check-error';
import { extractMeta } from './meta';

/** What one parse of a script tells the check and the transform. */
export interface ScriptAnalysis {
  readonly program: Program;
  readonly meta: ScriptMeta | null;
  /** Source range of the `export` keyword of `export const meta`, which the transform blanks out. */
  readonly metaExport: { readonly start: number; readonly end: number } | null;
  /** Problems with the module shape: imports, other exports, `import()`, a bad meta. */
  readonly issues: readonly ScriptIssue[];
  /** Every name declared anywhere in the script (an approximate, scope-free view). */
  readonly declared: ReadonlySet<string>;
  /** Every identifier used as a variable, in source order. */
  readonly references: readonly Identifier[];
}

function issueAt(node: AnyNode, message: string): ScriptIssue {
  const start = node.loc?.start;
  return { line: start?.line ?? 1, column: (start?.column ?? 0) + 1, message };
}

function parseProgram(source: string): Program {
  try {
    return parse(source, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      locations: true,
    });
  } catch (err) {
    const loc = (err as { loc?: { line: number; column: number } }).loc;
    const raw = err instanceof Error ? err.message : String(err);
    // Acorn appends "(line:column)" with a 0-based column; the issue carries its own position.
    const message = `Syntax error: ${raw.replace(/\s*\(\d+:\d+\)$/, '')}`;
    throw new ScriptCheckIssuesError([{ line: loc?.line ?? 1, column: (loc?.column ?? 0) + 1, message }]);
  }
}

function bindingNames(pattern: Pattern | null | undefined, out: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'Identifier':
      out.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties) bindingNames(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern':
      for (const el of pattern.elements) bindingNames(el, out);
      break;
    case 'RestElement':
      bindingNames(pattern.argument, out);
      break;
    case 'AssignmentPattern':
      bindingNames(pattern.left, out);
      break;
    default:
      break; // MemberExpression targets declare nothing.
  }
}

function inspectTopLevel(program: Program, issues: ScriptIssue[]): Pick<ScriptAnalysis, 'meta' | 'metaExport'> {
  let meta: ScriptMeta | null = null;
  let metaExport: ScriptAnalysis['metaExport'] = null;
  for (const stmt of program.body) {
    if (stmt.type === 'ImportDeclaration') {
      issues.push(
        issueAt(
          stmt,
          `import declarations are not allowed: scripts cannot load modules (from "${String(stmt.source.value)}"); everything a script needs is a global`,
        ),
      );
    } else if (stmt.type === 'ExportDefaultDeclaration' || stmt.type === 'ExportAllDeclaration') {
      issues.push(issueAt(stmt, 'only `export const meta = {…}` may be exported; return the result instead of exporting it'));
    } else if (stmt.type === 'ExportNamedDeclaration') {
      const decl = stmt.declaration;
      const isMeta =
        decl?.type === 'VariableDeclaration' &&
        decl.declarations.length === 1 &&
        decl.declarations[0].id.type === 'Identifier' &&
        decl.declarations[0].id.name === 'meta';
      if (!decl || decl.type !== 'VariableDeclaration' || !isMeta) {
        issues.push(issueAt(stmt, 'only `export const meta = {…}` may be exported; remove `export` from other declarations'));
      } else if (decl.kind !== 'const') {
        issues.push(issueAt(decl, `declare meta with \`export const meta\`, not \`export ${decl.kind}\``));
      } else if (metaExport) {
        issues.push(issueAt(stmt, 'meta is exported twice'));
      } else {
        const declarator = decl.declarations[0];
        meta = extractMeta(declarator.init, declarator, issues);
        metaExport = { start: stmt.start, end: stmt.start + 'export'.length };
      }
    }
  }
  return { meta, metaExport };
}

/** Parses a workflow script once and reports its shape, declarations and references. */
export function analyseScript(source: string): ScriptAnalysis {
  if (typeof source !== 'string')
    throw new ScriptCheckIssuesError([{ line: 1, column: 1, message: 'the script must be a string of JavaScript' }]);
  const program = parseProgram(source);
  const issues: ScriptIssue[] = [];
  const { meta, metaExport } = inspectTopLevel(program, issues);
  const declared = new Set<string>();
  const references: Identifier[] = [];
  full(program, (node, _state, type) => {
    switch (node.type) {
      case 'Identifier':
        // The walker visits property keys and member names only when computed, so every
        // identifier reaching here is a variable: a reference, a binding or an assignment target.
        if (type === 'Identifier' || type === 'VariablePattern') references.push(node);
        break;
      case 'VariableDeclarator':
        bindingNames(node.id, declared);
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.id) declared.add(node.id.name);
        for (const p of node.params) bindingNames(p, declared);
        if (node.type !== 'ArrowFunctionExpression') declared.add('arguments');
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (node.id) declared.add(node.id.name);
        break;
      case 'CatchClause':
        bindingNames(node.param, declared);
        break;
      case 'ImportExpression':
        issues.push(issueAt(node, 'import() is not allowed: scripts cannot load modules; everything a script needs is a global'));
        break;
      case 'MetaProperty':
        if (node.meta.name === 'import') issues.push(issueAt(node, 'import.meta is not available in a workflow script'));
        break;
      default:
        break;
    }
  });
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return { program, meta, metaExport, issues, declared, references };
}
