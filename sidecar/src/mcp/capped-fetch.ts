import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** The body was cut at `maxBytes`: what the SDK's request fails with. */
export class AnswerTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the server's answer is larger than ${maxBytes} bytes`);
  }
}

/** The AnswerTooLargeError in `err` or its causes, if any. */
export function answerTooLarge(err: unknown): AnswerTooLargeError | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof AnswerTooLargeError) return e;
  return null;
}

/**
 * fetch for the SDK's HTTP transports that ends a response body (a JSON answer, or the event
 * stream that carries one) once it passes `maxBytes`: a hostile or broken server cannot make the
 * sidecar buffer an unbounded answer. The request then fails as a read error (the call's
 * timeout bounds a stream that stalls instead). Only bodies of POSTs (requests and their
 * answers) are capped; the long-lived GET stream of server notifications is left as it is.
 */
export function cappedFetch(maxBytes: number, base: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    const res = await base(url, init);
    if (!res.body || (init?.method ?? 'GET').toUpperCase() !== 'POST') return res;
    let seen = 0;
    const capped = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(new AnswerTooLargeError(maxBytes));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(capped, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
