import Ajv, { type ValidateFunction } from 'ajv';
import { ValidationError } from '../errors/errors';
import { linearRegExp } from '../tools/linear-regexp';

export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

/**
 * The forced answer tool for `schema` agents. Tool inputs must be objects, so a schema of
 * another type is wrapped as `{value: schema}` and unwrapped after validation.
 */
export interface StructuredOutput {
  readonly tool: { name: string; description: string; input_schema: Record<string, unknown> };
  validate(input: unknown): { ok: true; value: unknown } | { ok: false; errors: string };
}

// Schemas come from scripts and are checked on the main thread: patterns run in linear time.
const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: linearRegExp } });
const compiled = new Map<string, ValidateFunction>();

export function structuredOutput(schema: Record<string, unknown>): StructuredOutput {
  const wrapped = schema.type !== 'object';
  const inputSchema: Record<string, unknown> = wrapped
    ? { type: 'object', properties: { value: schema }, required: ['value'], additionalProperties: false }
    : schema;
  const key = JSON.stringify(inputSchema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(inputSchema);
    } catch (err) {
      throw new ValidationError(`agent() schema is not a valid JSON Schema: ${(err as Error).message}`);
    }
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, validate);
  }
  const v = validate;
  return {
    tool: {
      name: STRUCTURED_OUTPUT_TOOL,
      description: 'Give your final answer. Call this exactly once, with input that matches the schema.',
      input_schema: inputSchema,
    },
    validate(input) {
      if (v(input)) return { ok: true, value: wrapped ? (input as { value: unknown }).value : input };
      return { ok: false, errors: ajv.errorsText(v.errors, { dataVar: 'input' }) };
    },
  };
}
