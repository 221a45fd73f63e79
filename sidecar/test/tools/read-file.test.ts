import fs from 'node:fs';
import path from 'node:path';
import { createReadFileTool, ToolFailedError, READ_FILE_MAX_BYTES, runTool } from '../../src/tools';
import { readLines } from '../../src/tools/line-reader';
import { makeFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
});
afterEach(() => fx.cleanup());

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

describe('read_file', () => {
  it('returns the whole of a small file', async () => {
    fx.write('src/a.ts', 'export const a = 1;\nexport const b = 2;\n');
    await expect(runTool('read_file', { path: 'src/a.ts' }, fx.ctx())).resolves.toBe('export const a = 1;\nexport const b = 2;');
  });

  it('reads a line range with offset and limit, and says where to continue', async () => {
    fx.write('big.txt', lines(50));
    const out = await runTool('read_file', { path: 'big.txt', offset: 10, limit: 3 }, fx.ctx());
    expect(out.split('\n').slice(0, 3)).toEqual(['line 10', 'line 11', 'line 12']);
    expect(out).toContain('offset=13');
  });

  it('says when the range reaches the end, and when offset is past it', async () => {
    fx.write('small.txt', lines(5));
    const tail = await runTool('read_file', { path: 'small.txt', offset: 4 }, fx.ctx());
    expect(tail).toMatch(/^line 4\nline 5\n\[lines 4-5; end of file\]$/);
    await expect(runTool('read_file', { path: 'small.txt', offset: 99 }, fx.ctx())).resolves.toMatch(/past the end/);
  });

  it(`bounds the output to ${READ_FILE_MAX_BYTES / 1024} KB`, async () => {
    const line = 'x'.repeat(99);
    fx.write('huge.txt', `${line}\n`.repeat(5000));
    const out = await runTool('read_file', { path: 'huge.txt' }, fx.ctx());
    expect(Buffer.byteLength(out)).toBeLessThan(READ_FILE_MAX_BYTES + 300);
    expect(Buffer.byteLength(out)).toBeGreaterThan(READ_FILE_MAX_BYTES - 200);
    const shown = out.split('\n').filter((l) => l === line).length;
    expect(out).toContain(`offset=${shown + 1}`);
  });

  it('shows the start of a single enormous line', async () => {
    fx.write('min.js', 'y'.repeat(READ_FILE_MAX_BYTES * 2));
    const out = await runTool('read_file', { path: 'min.js' }, fx.ctx());
    expect(out.startsWith('y'.repeat(1000))).toBe(true);
    expect(out).toContain('offset=2');
  });

  it('reports binary files instead of returning their bytes', async () => {
    fx.write('img.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    await expect(runTool('read_file', { path: 'img.bin' }, fx.ctx())).resolves.toMatch(/^\[binary file: img\.bin/);
  });

  it('fails clearly for a directory or a missing file', async () => {
    fs.mkdirSync(path.join(fx.ws, 'dir'));
    await expect(runTool('read_file', { path: 'dir' }, fx.ctx())).rejects.toThrow(/is a directory/);
    await expect(runTool('read_file', { path: 'nope.txt' }, fx.ctx())).rejects.toBeInstanceOf(ToolFailedError);
  });

  it('cuts a line longer than the cap, with a note, and keeps no more of it than the cap', async () => {
    const tool = createReadFileTool({ maxBytes: 1024 });
    fx.write('long.txt', `short\n${'z'.repeat(50_000)}\nafter\n`);
    const first = await tool.run({ path: 'long.txt' }, fx.ctx());
    expect(first).toMatch(
      /^short\nz{800,}… \[line 2 cut: 49 KB long, its first \d+ B shown\]\n\[lines 1-2 shown, output limit of 1 KB reached; the file continues: read_file with offset=3\]$/,
    );
    const cut = await tool.run({ path: 'long.txt', offset: 2 }, fx.ctx());
    expect(Buffer.byteLength(cut)).toBeLessThan(1024 + 200);
    expect(cut).toMatch(/^z{800,}… \[line 2 cut: 49 KB long, its first \d+ B shown\]\n/);
    expect(cut).toContain('offset=3');
    await expect(tool.run({ path: 'long.txt', offset: 3 }, fx.ctx())).resolves.toBe('after\n[lines 3-3; end of file]');
  });

  it('keeps CRLF line ends out of the text and does not split a character at a cut', async () => {
    fx.write('crlf.txt', 'a\r\nb\r\n');
    await expect(runTool('read_file', { path: 'crlf.txt' }, fx.ctx())).resolves.toBe('a\nb');
    const file = fx.write('utf8.txt', 'é'.repeat(100));
    const [line] = await Array.fromAsync(readLines(file, { maxLineBytes: 9, chunkBytes: 7 }));
    expect(line).toEqual({ text: 'éééé', bytes: 200, truncated: true });
  });

  it('an aborted read rejects instead of throwing elsewhere', async () => {
    fx.write('big.txt', lines(10));
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(runTool('read_file', { path: 'big.txt' }, fx.ctx({ signal: ac.signal }))).rejects.toThrow();
  });
});
