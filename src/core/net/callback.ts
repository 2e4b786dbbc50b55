// Job-end callbacks (TTS, video, subtitle files): one signed JSON POST through the SSRF guard,
// no redirects, a short timeout. Throws when the receiver does not answer 2xx, so the calling
// job can retry with backoff; a BlockedAddressError means retrying is pointless.
import { type MssAuthType, signCallback } from './mss-auth.ts';
import { safeFetch } from './safe-fetch.ts';

export const CALLBACK_TIMEOUT_MS = 10_000;

export interface CallbackTarget {
  url: string;
  authType: MssAuthType;
  key?: string;
}

export async function postCallback(
  target: CallbackTarget,
  body: unknown,
  opts: { now: number; allowPrivate: boolean; signal?: AbortSignal },
): Promise<void> {
  const signed = signCallback(target.url, { type: target.authType, key: target.key }, opts.now);
  const res = await safeFetch(signed.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: JSON.stringify(body),
    allowPrivate: opts.allowPrivate,
    timeoutMs: CALLBACK_TIMEOUT_MS,
    maxRedirects: 0,
    maxBodyBytes: 4096,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`callback answered HTTP ${res.status}`);
}
