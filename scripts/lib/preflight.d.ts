// Types of preflight.js (what `npm start` checks before it starts, and its progress display).

/** One message per problem that stops `npm start` (a live sidecar on the data folder, a taken port); empty: go ahead. */
export declare function preflight(options: {
  dataDir: string;
  ports: readonly { port: number; variable: string; what: string }[];
}): Promise<string[]>;
export declare function portIsFree(port: number, host?: string): Promise<boolean>;
/** The process listening on a TCP port (/proc, else `ss -ltnp`); null when that cannot be told. */
export declare function portHolder(port: number): { pid: number; command: string } | null;
/** The live process holding `<dataDir>/sidecar.lock` on this host, or null. */
export declare function liveLockHolder(dataDir: string): { pid: number; startedAt: string; command: string; lockFile: string } | null;
export declare function sidecarVersionOn(port: number): Promise<string | null>;

export declare class Progress {
  constructor(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options?: { tty?: boolean; quietMs?: number });
  task<T>(label: string, done: string, work: () => Promise<T>): Promise<T>;
  line(text: string): void;
  stop(): void;
}
