import { classifyResponse, networkFailure, type DeliveryOutcome } from './outcome';
import type { CallbackPoster } from './post';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signCallback, signedPath } from './signature';

const USER_AGENT = 'dynamic-workflows-sidecar';

export interface SendOptions {
  readonly post: CallbackPoster;
  /** HMAC key; null sends unsigned. */
  readonly secret: string | null;
  /** Time limit of the POST, from the moment it is sent. */
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** One signed POST and what it means for the delivery; null when `stopSignal` cut it off. */
export async function sendCallback(o: SendOptions, url: string, body: string, stopSignal: AbortSignal): Promise<DeliveryOutcome | null> {
  const timestamp = o.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    [TIMESTAMP_HEADER]: String(timestamp),
  };
  if (o.secret !== null) headers[SIGNATURE_HEADER] = signCallback(o.secret, timestamp, signedPath(url), body);
  const timeout = AbortSignal.timeout(o.timeoutMs);
  try {
    const res = await o.post(url, { headers, body, signal: AbortSignal.any([stopSignal, timeout]) });
    return classifyResponse(res.status, res.body, res.retryAfter, o.now());
  } catch (err) {
    if (stopSignal.aborted) return null;
    return networkFailure(err, timeout.aborted);
  }
}
