export interface Frame {
  readonly id: number | null;
  readonly event: string | null;
  readonly data: string;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  readonly frames: Frame[];
  readonly comments: string[];
  /** Resolves once `predicate` holds over the frames received so far. */
  until(predicate: (frames: Frame[]) => boolean, ms?: number): Promise<void>;
  readonly ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource over fetch, enough to check framing, ids and order. */
export async function openStream(url: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const frames: Frame[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const parse = (block: string): void => {
    let id: number | null = null;
    let event: string | null = null;
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push(line.slice(1).trim());
        continue;
      }
      any = true;
      if (line.startsWith('id: ')) id = Number(line.slice(4));
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (any) frames.push({ id, event, data: data.join('\n') });
  };
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          parse(buffer.slice(0, idx));
          buffer = buffer.slice(idx + 2);
        }
        for (const w of [...waiters]) w();
      }
    } catch {
      // aborted by close()
    }
    for (const w of [...waiters]) w();
  })();
  return {
    status: res.status,
    headers: res.headers,
    frames,
    comments,
    ended,
    close: () => controller.abort(),
    until(predicate, ms = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stream condition not met in ${ms} ms; got ${frames.length} frames`));
        }, ms);
        const check = (): void => {
          if (!predicate(frames)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
