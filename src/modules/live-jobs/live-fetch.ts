// The one way a live job downloads what a URL names (a recording, a layer's picture): through
// the SSRF guard with a size and a time limit. A failure comes back as words that the caller's
// own error puts after the field's name, so recordings and pictures explain it alike.
import { BlockedAddressError, safeFetch } from '../../core/net/safe-fetch.ts';
import type { ModuleDeps } from '../types.ts';

export async function fetchForLive(
  deps: Pick<ModuleDeps, 'allowPrivateFetch'>,
  url: string,
  limits: { timeoutMs: number; maxBodyBytes: number },
  signal?: AbortSignal,
): Promise<{ body: Buffer } | { why: string }> {
  let res: Awaited<ReturnType<typeof safeFetch>>;
  try {
    res = await safeFetch(url, {
      allowPrivate: deps.allowPrivateFetch,
      ...limits,
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    const why =
      e instanceof BlockedAddressError ? 'the address is not allowed' : String((e as Error).message ?? e);
    return { why: `could not be fetched: ${why}` };
  }
  if (res.status < 200 || res.status > 299) return { why: `answered HTTP ${res.status}` };
  return { body: res.body };
}
