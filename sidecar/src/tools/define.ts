import { Ajv, type ValidateFunction } from 'ajv';
import { ValidationError } from '../errors/errors';
import { abortReason } from '../core/abort';
import { linearRegExp } from './linear-regexp';
import type { ToolContext, ToolDefinition } from './types';

const ajv = new Ajv({ allErrors: true, strict: true, code: { regExp: linearRegExp } });

/** What a tool's schema promises; `run` receives its input already validated against it. */
export interface ToolSpec<I> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown> & { readonly type: 'object' };
  run(input: I, ctx: ToolContext): Promise<string>;
}

/**
 * Builds a ToolDefinition whose `run` validates its input with the tool's JSON Schema
 * first, so no caller can reach a tool with input it did not declare.
 */
export function defineTool<I>(spec: ToolSpec<I>): ToolDefinition {
  const validate: ValidateFunction<I> = ajv.compile<I>(spec.inputSchema);
  return {
    name: spec.name,
    description: spec.description,
    inputSchema: spec.inputSchema,
    async run(input: Record<string, unknown>, ctx: ToolContext): Promise<string> {
      if (ctx.signal?.aborted) throw abortReason(ctx.signal);
      if (!validate(input)) {
        throw new ValidationError(`Invalid input for ${spec.name}: ${ajv.errorsText(validate.errors, { dataVar: 'input' })}`);
      }
      return spec.run(input, ctx);
    },
  };
}
