import fsp from 'node:fs/promises';
import { ToolFailedError } from './errors';
import { defineTool } from './define';
import { readLines } from './line-reader';
import { formatBytes, looksBinary, truncateUtf8 } from './text';
import type { ToolDefinition } from './types';
import { confine } from './workspace';

/** Most text handed back to the model from one read. */
export const READ_FILE_MAX_BYTES = 256 * 1024;
/** Room kept for the note that says a line was cut. */
const NOTE_BYTES = 200;
const SNIFF_BYTES = 8192;

interface ReadFileInput {
  path: string;
  offset?: number;
  limit?: number;
}

async function sniff(abs: string): Promise<Uint8Array> {
  const fh = await fsp.open(abs, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface ReadFileToolOptions {
  /** Most bytes of text returned per call; a longer line is cut to fit, with a note. @default READ_FILE_MAX_BYTES */
  readonly maxBytes?: number;
}

export function createReadFileTool(options: ReadFileToolOptions = {}): ToolDefinition {
  const maxBytes = options.maxBytes ?? READ_FILE_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < NOTE_BYTES * 2)
    throw new RangeError(`Expected \`maxBytes\` to be an integer of at least ${NOTE_BYTES * 2}, got ${maxBytes}`);
  const limitText = maxBytes % 1024 === 0 ? `${maxBytes / 1024} KB` : `${maxBytes} bytes`;
  return defineTool<ReadFileInput>({
    name: 'read_file',
    description:
      'Read a text file in the workspace. `path` is relative to the workspace root. ' +
      '`offset` (1-based line number) and `limit` (number of lines) read part of a large file. ' +
      `At most ${limitText} are returned per call (a longer line is cut, with a note); a note at the end says where to continue.`,
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', minLength: 1, description: 'File path relative to the workspace root' },
        offset: { type: 'integer', minimum: 1, description: 'First line to read (1-based)' },
        limit: { type: 'integer', minimum: 1, maximum: 100_000, description: 'Number of lines to read' },
      },
      required: ['path'],
      additionalProperties: false,
    },
    async run(input, ctx) {
      const target = await confine(ctx, input.path);
      const stat = await fsp.stat(target.abs);
      if (stat.isDirectory()) throw new ToolFailedError(`${target.rel} is a directory: use list_files`);
      if (!stat.isFile()) throw new ToolFailedError(`${target.rel} is not a regular file`);
      if (stat.size === 0) return '(empty file)';
      if (looksBinary(await sniff(target.abs))) return `[binary file: ${target.rel}, ${formatBytes(stat.size)}]`;

      const first = input.offset ?? 1;
      const last = input.limit === undefined ? Infinity : first + input.limit - 1;
      const out: string[] = [];
      let bytes = 0;
      let lineNo = 0;
      let next: number | null = null;
      let byteLimited = false;
      const lines = readLines(target.abs, {
        maxLineBytes: maxBytes - NOTE_BYTES,
        firstLine: first,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      for await (const line of lines) {
        lineNo++;
        if (lineNo < first) continue;
        if (lineNo > last) {
          next = lineNo;
          break;
        }
        const text = line.truncated
          ? `${line.text}… [line ${lineNo} cut: ${formatBytes(line.bytes)} long, its first ${formatBytes(Buffer.byteLength(line.text))} shown]`
          : line.text;
        const cost = Buffer.byteLength(text, 'utf8') + 1;
        if (bytes + cost > maxBytes) {
          byteLimited = true;
          // A line that alone fills the output: show its start rather than nothing.
          if (out.length === 0) out.push(truncateUtf8(text, maxBytes).text);
          next = out.length === 1 && bytes === 0 ? lineNo + 1 : lineNo;
          break;
        }
        out.push(text);
        bytes += cost;
        if (line.truncated) {
          next = lineNo + 1;
          byteLimited = true;
          break;
        }
      }
      if (lineNo < first) return `(the file has ${lineNo} lines; offset ${first} is past the end)`;
      const text = out.join('\n');
      const lastShown = first + out.length - 1;
      if (next === null) return first === 1 ? text : `${text}\n[lines ${first}-${lastShown}; end of file]`;
      const why = byteLimited ? `output limit of ${limitText} reached` : `limit of ${input.limit} lines reached`;
      return `${text}\n[lines ${first}-${lastShown} shown, ${why}; the file continues: read_file with offset=${next}]`;
    },
  });
}

export const readFileTool = createReadFileTool();
