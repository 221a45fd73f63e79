import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ToolContext } from '../../src/tools';

/** A temp root with a workspace `ws` inside it and a directory `outside` next to it. */
export interface Fixture {
  readonly base: string;
  readonly root: string;
  readonly ws: string;
  readonly outside: string;
  ctx(over?: Partial<ToolContext>): ToolContext;
  write(rel: string, content: string | Buffer): string;
  cleanup(): void;
}

export function makeFixture(): Fixture {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dw-tools-')));
  const root = path.join(base, 'root');
  const ws = path.join(root, 'ws');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET\n');
  return {
    base,
    root,
    ws,
    outside,
    ctx: (over = {}) => ({ workspaceDir: ws, allowWrite: false, allowedHosts: [], ...over }),
    write(rel, content) {
      const abs = path.join(ws, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
      return abs;
    },
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}
