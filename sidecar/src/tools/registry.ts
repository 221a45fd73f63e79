import type Anthropic from '@anthropic-ai/sdk';
import type { ToolName } from '../core/names';
import { ToolNotAllowedError, ValidationError } from '../errors/errors';
import { grepTool } from './grep';
import { httpGetTool } from './http-get';
import { listFilesTool } from './list-files';
import { readFileTool } from './read-file';
import type { ToolContext, ToolDefinition } from './types';
import { writeFileTool } from './write-file';

export type BuiltinToolName = ToolName;

/** Every built-in tool by name. Which of them a run may use is the operator's choice. */
export const BUILTIN_TOOLS: Readonly<Record<BuiltinToolName, ToolDefinition>> = {
  read_file: readFileTool,
  list_files: listFilesTool,
  grep: grepTool,
  write_file: writeFileTool,
  http_get: httpGetTool,
};

export { TOOL_NAMES as BUILTIN_TOOL_NAMES } from '../core/names';

export function isBuiltinTool(name: string): name is BuiltinToolName {
  return Object.hasOwn(BUILTIN_TOOLS, name);
}

function lookup(name: string): ToolDefinition {
  if (!isBuiltinTool(name)) throw new ToolNotAllowedError(name);
  return BUILTIN_TOOLS[name];
}

/** The Messages API `tools` entries for these tool names, in the order given (duplicates dropped). */
export function toolDefinitionsFor(names: readonly string[]): Anthropic.Tool[] {
  return [...new Set(names)].map((name) => {
    const tool = lookup(name);
    return { name: tool.name, description: tool.description, input_schema: tool.inputSchema as Anthropic.Tool.InputSchema };
  });
}

/**
 * Runs a built-in tool: validates `input` against its schema (ValidationError), refuses
 * unknown names (ToolNotAllowedError), and returns the text for the tool_result. Whether
 * the run allows this tool is the caller's check; this is the last line, not the only one.
 */
export async function runTool(name: string, input: unknown, ctx: ToolContext): Promise<string> {
  const tool = lookup(name);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`Invalid input for ${name}: input must be an object`);
  }
  return tool.run(input as Record<string, unknown>, ctx);
}
