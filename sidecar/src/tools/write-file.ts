import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { WorkspaceError } from '../errors/errors';
import { ToolFailedError } from './errors';
import { defineTool } from './define';
import { confine, isInside } from './workspace';

/** Largest file write_file creates. */
export const WRITE_FILE_MAX_BYTES = 1024 * 1024;

interface WriteFileInput {
  path: string;
  content: string;
}

const inGitFolder = (p: string): boolean => p.split(/[\\/]+/).some((seg) => seg.toLowerCase() === '.git');

export const writeFileTool = defineTool<WriteFileInput>({
  name: 'write_file',
  description:
    'Create or overwrite a text file in the workspace (parent directories are created). ' +
    `\`path\` is relative to the workspace root; \`content\` is the whole file, at most ${WRITE_FILE_MAX_BYTES / 1024} KB. ` +
    'Only available where the operator made the workspace writable.',
  inputSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'File path relative to the workspace root' },
      content: { type: 'string', description: 'The complete file content' },
    },
    required: ['path', 'content'],
    additionalProperties: false,
  },
  async run(input, ctx) {
    if (!ctx.allowWrite) {
      throw new WorkspaceError(
        "write_file is refused: this run's workspace is read-only (the operator lists writable workspaces in DW_WRITABLE_WORKSPACES)",
      );
    }
    const bytes = Buffer.byteLength(input.content, 'utf8');
    if (bytes > WRITE_FILE_MAX_BYTES)
      throw new ToolFailedError(`content is ${bytes} bytes; write_file takes at most ${WRITE_FILE_MAX_BYTES}`);
    // A repository's metadata holds code git runs (hooks, config such as core.fsmonitor): an agent
    // that could write it would run commands when the sidecar next calls git (isolated agents).
    // Checked on the path as given and as resolved (a symlink to a .git folder).
    const target = await confine(ctx, input.path, { allowMissing: true });
    if (inGitFolder(input.path) || inGitFolder(target.rel))
      throw new WorkspaceError(`write_file is refused inside .git (got "${input.path}"): repository metadata is not the agent's to change`);
    if (target.exists && (await fsp.stat(target.abs)).isDirectory()) throw new ToolFailedError(`${target.rel} is a directory`);
    const parent = path.dirname(target.abs);
    await fsp.mkdir(parent, { recursive: true });
    // Re-checked after mkdir: a directory swapped for a symlink in between must not redirect the write.
    if (!isInside(target.root, await fsp.realpath(parent))) throw new WorkspaceError(`Path "${input.path}" resolves outside the workspace`);
    // O_NOFOLLOW: the last component was resolved above, so a symlink there now is a swap, not the user's file.
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW;
    const fh = await fsp.open(target.abs, flags, 0o644);
    try {
      await fh.writeFile(input.content, 'utf8');
    } finally {
      await fh.close();
    }
    return `Wrote ${bytes} bytes to ${target.rel}`;
  },
});
