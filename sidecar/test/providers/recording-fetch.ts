/** A fetch that records what the SDK sends and answers with canned Messages API responses. */
export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | null;
}

export type Responder = (req: RecordedRequest, n: number) => Response | Promise<Response>;

export function messageResponse(model = 'claude-sonnet-5-5', text = 'hello'): Response {
  return Response.json({
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  });
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ type: 'error', error: { type: 'api_error', message } }, { status, headers });
}

async function bodyText(input: string | URL | Request, init: RequestInit | undefined): Promise<string | null> {
  if (input instanceof Request) return input.text();
  const b = init?.body;
  if (b === undefined || b === null) return null;
  if (typeof b === 'string') return b;
  return new Response(b).text();
}

export function recordingFetch(responder: Responder = () => messageResponse()): { fetch: typeof fetch; calls: RecordedRequest[] } {
  const calls: RecordedRequest[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (input instanceof Request ? input.method : (init?.method ?? 'GET')).toUpperCase();
    const headers = Object.fromEntries(new Headers(input instanceof Request ? input.headers : init?.headers).entries());
    const text = await bodyText(input, init);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    const req: RecordedRequest = { url, method, headers, body };
    calls.push(req);
    return responder(req, calls.length);
  };
  return { fetch: fake as typeof fetch, calls };
}

export const PARAMS = {
  model: 'claude-sonnet-5-5',
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: 'Say hello' }],
};
