import fsp from 'node:fs/promises';
import { defineTool } from './define';
import { runGrepWorker } from './grep-worker';
import type { ToolDefinition } from './types';
import { compileGlob } from './glob';
import { SKIPPED_DIRS, walk } from './walk';
import { confine } from './workspace';

/** Most matching lines returned per call. */
export const GREP_MAX_RESULTS = 200;
const DEFAULT_RESULTS = 100;
const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const MAX_LINE_CHARS = 300;

export interface GrepToolOptions {
  /** Time one search may take, from the start of matching. @default 10_000 */
  readonly timeoutMs?: number;
}

interface GrepInput {
  pattern: string;
  path?: string;
  glob?: string;
  maxResults?: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createGrepTool(options: GrepToolOptions = {}): ToolDefinition {
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new RangeError(`Expected \`timeoutMs\` to be a positive integer, got ${timeoutMs}`);
  return defineTool<GrepInput>({
    name: 'grep',
    description:
      'Search file contents in the workspace, line by line. `pattern` is a JavaScript regular expression ' +
      '(case-sensitive; a pattern that is not a valid regex is searched for literally). ' +
      '`path` (default: the workspace root) is a file or directory relative to the workspace root; ' +
      '`glob` filters file names ("*.ts", or with "/" the path below `path`). ' +
      `Skips binary files, files over ${MAX_FILE_BYTES / (1024 * 1024)} MB and ${[...SKIPPED_DIRS].join(', ')}. ` +
      `Returns "path:line:text" lines, at most \`maxResults\` (default ${DEFAULT_RESULTS}, up to ${GREP_MAX_RESULTS}).`,
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', minLength: 1, maxLength: 1000, description: 'Regular expression (or literal text)' },
        path: { type: 'string', description: 'File or directory relative to the workspace root (default ".")' },
        glob: { type: 'string', minLength: 1, maxLength: 500, description: 'File name filter, e.g. "*.ts"' },
        maxResults: {
          type: 'integer',
          minimum: 1,
          maximum: GREP_MAX_RESULTS,
          description: `Most matches to return (default ${DEFAULT_RESULTS})`,
        },
      },
      required: ['pattern'],
      additionalProperties: false,
    },
    async run(input, ctx) {
      const globMatches = input.glob === undefined ? null : compileGlob(input.glob);
      const target = await confine(ctx, input.path);
      let source = input.pattern;
      let literal = false;
      try {
        new RegExp(source);
      } catch {
        source = escapeRegExp(source);
        literal = true;
      }

      const files: { abs: string; rel: string }[] = [];
      let tooManyFiles = false;
      if ((await fsp.stat(target.abs)).isFile()) {
        files.push({ abs: target.abs, rel: target.rel });
      } else {
        for await (const e of walk(target.root, target.abs, { recursive: true, ...(ctx.signal ? { signal: ctx.signal } : {}) })) {
          if (e.kind !== 'file') continue;
          if (globMatches && !globMatches(e.relFromStart)) continue;
          if (files.length === MAX_FILES) {
            tooManyFiles = true;
            break;
          }
          files.push({ abs: e.abs, rel: e.rel });
        }
      }

      const result = await runGrepWorker(
        { source, files, maxResults: input.maxResults ?? DEFAULT_RESULTS, maxLineChars: MAX_LINE_CHARS, maxFileBytes: MAX_FILE_BYTES },
        timeoutMs,
        ctx.signal,
      );
      const notes: string[] = [];
      if (literal) notes.push('the pattern is not a valid regular expression, so it was searched for literally');
      if (result.truncated) notes.push(`stopped at ${result.matches.length} matches: narrow path/glob or raise maxResults`);
      if (tooManyFiles) notes.push(`only the first ${MAX_FILES} files were searched`);
      if (result.skippedLarge > 0) notes.push(`${result.skippedLarge} files over ${MAX_FILE_BYTES / (1024 * 1024)} MB skipped`);
      const body = result.matches.length > 0 ? result.matches.join('\n') : `No matches in ${result.scanned} files`;
      return notes.length > 0 ? `${body}\n[${notes.join('; ')}]` : body;
    },
  });
}

export const grepTool = createGrepTool();
