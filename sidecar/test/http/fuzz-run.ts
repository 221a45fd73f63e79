import { EXPECTED_STATUS, RAW_REQUESTS, rawRequest, type FuzzKind, type FuzzRequest } from './fuzz-requests';

/** Wrong credentials from one address are throttled: past the limit they get 429 too_many_auth_failures. */
const throttled = (kind: FuzzKind, status: number, text: string): boolean =>
  kind === 'no-auth' && status === 429 && text.includes('"too_many_auth_failures"');

export interface FuzzOutcome {
  /** One line per request that was not answered with a 4xx JSON error (or not answered at all). */
  readonly failures: readonly string[];
  readonly statuses: ReadonlySet<number>;
  readonly byKind: ReadonlyMap<FuzzKind, ReadonlySet<number>>;
}

/**
 * Fixed seeds, so a run is the same every time; `DW_FUZZ_SEED` adds one more (a number, or
 * `random` for one from the clock, shown in the test's name so a failure can be replayed).
 */
export function fuzzSeeds(fixed: readonly number[], env: Readonly<Record<string, string | undefined>> = process.env): number[] {
  const raw = env.DW_FUZZ_SEED?.trim();
  if (!raw) return [...fixed];
  const extra = raw === 'random' ? Date.now() % 1_000_000_000 : Number(raw);
  if (!Number.isSafeInteger(extra) || extra < 0)
    throw new Error(`Expected \`DW_FUZZ_SEED\` to be a non-negative integer or "random", got ${JSON.stringify(raw)}`);
  return [...fixed, extra];
}

/**
 * Sends the requests (16 at a time) and the raw ones, and checks each answer: a 4xx with a
 * JSON `{error: {code, message}}` body (HEAD: no body), the kind's own status where it has
 * one, and an answer for every raw request.
 */
export async function fuzzApi(base: string, port: number, requests: readonly FuzzRequest[]): Promise<FuzzOutcome> {
  const failures: string[] = [];
  const statuses = new Set<number>();
  const byKind = new Map<FuzzKind, Set<number>>();
  const send = async (req: FuzzRequest): Promise<void> => {
    const what = `${req.kind} ${req.method} ${req.path.slice(0, 80)} body=${(req.body ?? '').slice(0, 80)}`;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${base}${req.path}`, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      failures.push(`${what}: request failed: ${String(err)}`);
      return;
    }
    statuses.add(status);
    byKind.set(req.kind, (byKind.get(req.kind) ?? new Set()).add(status));
    const expected = EXPECTED_STATUS[req.kind];
    if (
      status < 400 ||
      status > 499 ||
      !(req.method === 'HEAD' || isJsonError(text)) ||
      (expected !== undefined && status !== expected && !throttled(req.kind, status, text))
    ) {
      failures.push(`${what} -> ${status} ${text.slice(0, 120)}`);
    }
  };
  for (let i = 0; i < requests.length; i += 16) await Promise.all(requests.slice(i, i + 16).map(send));
  for (const raw of RAW_REQUESTS) {
    const answer = await rawRequest(port, raw);
    const what = `raw ${JSON.stringify(raw.slice(0, 60))}`;
    if (answer.status === null) failures.push(`${what}: ${answer.reason}`);
    else if (answer.status < 400 || answer.status > 499) failures.push(`${what} -> ${answer.status}`);
  }
  return { failures, statuses, byKind };
}

function isJsonError(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
  } catch {
    return false;
  }
}
