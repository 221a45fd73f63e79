import fsp from 'node:fs/promises';
import { ToolFailedError } from './errors';
import { defineTool } from './define';
import { compileGlob } from './glob';
import { SKIPPED_DIRS, walk, type WalkEntry } from './walk';
import { confine } from './workspace';

/** Most entries listed per call. */
export const LIST_FILES_MAX_ENTRIES = 2000;
/** Entries visited per call (matching or not), so a filtered walk of a huge tree still ends. */
const MAX_VISITED = 100_000;

interface ListFilesInput {
  path?: string;
  recursive?: boolean;
  pattern?: string;
}

function display(e: WalkEntry): string {
  if (e.kind === 'dir') return `${e.rel}/`;
  if (e.kind === 'symlink') return `${e.rel}@`;
  return e.rel;
}

export const listFilesTool = defineTool<ListFilesInput>({
  name: 'list_files',
  description:
    'List files and directories in the workspace. `path` (default: the workspace root) is relative to the workspace root; ' +
    '`recursive` lists subdirectories too (skipping ' +
    [...SKIPPED_DIRS].join(', ') +
    '); ' +
    '`pattern` is a glob: without "/" it matches file names at any depth ("*.ts"), with "/" the path below `path` ("src/**/*.test.ts"). ' +
    `Paths are printed relative to the workspace root; directories end in "/", symlinks in "@". At most ${LIST_FILES_MAX_ENTRIES} entries.`,
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'Directory relative to the workspace root (default ".")' },
      recursive: { type: 'boolean', description: 'Include subdirectories (default false)' },
      pattern: { type: 'string', minLength: 1, maxLength: 500, description: 'Glob filter, e.g. "*.ts" or "src/**/*.json"' },
    },
    additionalProperties: false,
  },
  async run(input, ctx) {
    const matches = input.pattern === undefined ? null : compileGlob(input.pattern);
    const target = await confine(ctx, input.path);
    const stat = await fsp.stat(target.abs);
    if (!stat.isDirectory()) throw new ToolFailedError(`${target.rel} is not a directory: use read_file`);
    const out: string[] = [];
    let visited = 0;
    let truncated = false;
    for await (const e of walk(target.root, target.abs, {
      recursive: input.recursive ?? false,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    })) {
      if (++visited > MAX_VISITED) {
        truncated = true;
        break;
      }
      if (matches && !matches(e.relFromStart)) continue;
      if (out.length === LIST_FILES_MAX_ENTRIES) {
        truncated = true;
        break;
      }
      out.push(display(e));
    }
    out.sort();
    if (out.length === 0) return input.pattern ? `(no entries match ${JSON.stringify(input.pattern)})` : '(empty directory)';
    const body = out.join('\n');
    return truncated ? `${body}\n[truncated after ${out.length} entries: narrow it with path or pattern]` : body;
  },
});
