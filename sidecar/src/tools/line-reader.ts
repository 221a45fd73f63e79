import fsp from 'node:fs/promises';
import { abortReason } from '../core/abort';

/** One line of a file, with at most the reader's cap of its bytes kept. */
export interface Line {
  /** The line's start (the whole line unless `truncated`), without its line break. */
  readonly text: string;
  /** Bytes of the whole line in the file, line break excluded. */
  readonly bytes: number;
  readonly truncated: boolean;
}

export interface LineReaderOptions {
  /** Bytes of a line kept in memory; the rest of a longer line is counted, not kept. */
  readonly maxLineBytes: number;
  /** Lines before this one (1-based) are counted without keeping any of their bytes. @default 1 */
  readonly firstLine?: number;
  /** Bytes read from the file at a time. @default 65_536 */
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * The lines of a file, read in fixed chunks through a file handle: memory stays bounded by
 * the chunk and the line cap however long a line is (one line of hundreds of MB used to be
 * held whole by `readline`, and the RangeError it threw escaped a stream handler and ended
 * the process). There are no stream handlers here: every failure rejects the iteration.
 * Lines before `firstLine` are yielded as empty placeholders so callers can count them.
 */
export async function* readLines(file: string, opts: LineReaderOptions): AsyncGenerator<Line> {
  const cap = opts.maxLineBytes;
  const first = opts.firstLine ?? 1;
  const chunk = Buffer.alloc(opts.chunkBytes ?? 65_536);
  const fh = await fsp.open(file, 'r');
  try {
    let lineNo = 1;
    let kept: Buffer[] = [];
    let keptBytes = 0;
    let bytes = 0;
    const take = (part: Buffer): void => {
      bytes += part.length;
      if (lineNo < first || keptBytes >= cap) return;
      const room = Math.min(part.length, cap - keptBytes);
      kept.push(Buffer.from(part.subarray(0, room)));
      keptBytes += room;
    };
    const finish = (): Line => {
      let buf = kept.length === 1 ? kept[0]! : Buffer.concat(kept, keptBytes);
      let whole = bytes;
      if (whole > 0 && keptBytes === whole && buf[buf.length - 1] === CR) {
        buf = buf.subarray(0, buf.length - 1);
        whole -= 1;
      }
      const truncated = keptBytes < whole;
      const line: Line = { text: lineNo < first ? '' : decodeStart(buf, truncated), bytes: whole, truncated };
      kept = [];
      keptBytes = 0;
      bytes = 0;
      lineNo++;
      return line;
    };
    for (;;) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(NL, start); nl >= 0; nl = data.indexOf(NL, start)) {
        take(data.subarray(start, nl));
        yield finish();
        start = nl + 1;
      }
      take(data.subarray(start));
    }
    if (bytes > 0 || keptBytes > 0) yield finish();
  } finally {
    await fh.close();
  }
}

/** UTF-8 text of a line's kept bytes; a cut line drops a character split by the cut. */
function decodeStart(buf: Buffer, cut: boolean): string {
  if (!cut) return buf.toString('utf8');
  let end = buf.length;
  let back = 0;
  // Back up over continuation bytes (10xxxxxx) to the start of the last character, then drop it if incomplete.
  while (end - back > 0 && back < 4 && (buf[end - back - 1]! & 0xc0) === 0x80) back++;
  const lead = buf[end - back - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (back + 1 < need) end = end - back - 1;
  }
  return buf.subarray(0, end).toString('utf8');
}
