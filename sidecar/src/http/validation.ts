import Ajv, { type ErrorObject } from 'ajv';
import { linearRegExp } from '../tools/linear-regexp';
import type { FastifySchemaCompiler } from 'fastify';
import { isHttpUrl } from '../callbacks/spec';

export type ValidationIssue = Pick<ErrorObject, 'keyword' | 'instancePath' | 'params' | 'message'>;

/** Deepest nesting of arrays/objects in `value`, counted iteratively; stops once past `limit`. */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    allowUnionTypes: true,
    // Bodies are checked as sent (a number is not a string); path and query values are strings on the wire.
    coerceTypes: coerce,
    removeAdditional: false,
    useDefaults: false,
    strict: true,
    // Request values are matched on the main thread: patterns run in linear time.
    code: { regExp: linearRegExp },
  });
  ajv.addFormat('uri', { type: 'string', validate: isHttpUrl });
  ajv.addKeyword({
    keyword: 'maxDepth',
    schemaType: 'number',
    errors: false,
    validate: (limit: number, data: unknown) => !exceedsDepth(data, limit),
  });
  return ajv;
}

/**
 * Fastify's default ajv strips unknown properties and coerces body types; this API rejects both,
 * so a typo in `options.limits` is an error naming the field, not a silently ignored limit.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = makeAjv(false);
  const paramAjv = makeAjv(true);
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object);
}

function decodePointer(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

const PART_NAMES: Readonly<Record<string, string>> = { body: 'body', querystring: 'query string', params: 'path', headers: 'headers' };

function field(path: string, child?: string): string {
  const full = child === undefined ? path : path ? `${path}.${child}` : child;
  return full ? `\`${full}\`` : 'it';
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  'object,null': 'a JSON object (or omitted)',
};
const typeName = (t: string): string => TYPE_NAMES[t] ?? t;

function describeOne(issue: ValidationIssue): string {
  const path = decodePointer(issue.instancePath);
  const p = issue.params as Record<string, unknown>;
  switch (issue.keyword) {
    case 'required':
      return `${field(path, String(p.missingProperty))} is required`;
    case 'additionalProperties':
      return `unknown field ${field(path, String(p.additionalProperty))}`;
    case 'type':
      return path ? `${field(path)} must be ${typeName(String(p.type))}` : `the body must be ${typeName(String(p.type))}`;
    case 'minItems':
      return Number(p.limit) === 1 ? `${field(path)} must not be empty` : `${field(path)} must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `${field(path)} must have at most ${String(p.limit)} items`;
    case 'uniqueItems':
      return `${field(path)} must not repeat items`;
    case 'enum':
      return `${field(path)} must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'format':
      return p.format === 'uri' ? `${field(path)} must be an absolute http or https URL` : `${field(path)} must be a ${String(p.format)}`;
    case 'pattern':
      return p.pattern === '\\S' ? `${field(path)} must not be blank` : `${field(path)} has an invalid format`;
    case 'maxDepth':
      return `${field(path)} is nested too deeply`;
    case 'maxLength':
      return `${field(path)} must be at most ${String(p.limit)} characters`;
    case 'minLength':
      return Number(p.limit) === 1 ? `${field(path)} must not be empty` : `${field(path)} must be at least ${String(p.limit)} characters`;
    default:
      return `${field(path)} ${issue.message ?? 'is invalid'}`;
  }
}

/** One readable sentence naming the offending field, e.g. "Invalid body: unknown field `options.limits.maxParalel`". */
export function describeValidationErrors(issues: readonly ValidationIssue[], where: string): string {
  const first = issues.find((i) => i.keyword !== 'anyOf' && i.keyword !== 'oneOf' && i.keyword !== 'if') ?? issues[0];
  const part = PART_NAMES[where] ?? where;
  return first ? `Invalid ${part}: ${describeOne(first)}` : `Invalid ${part}`;
}
