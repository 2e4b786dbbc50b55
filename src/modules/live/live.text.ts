// Small checks every live resource shares: plain-text fields, URLs by scheme, and the asset
// references a document makes. Pure; each throws the module's 400 naming the field.
import { BlockedAddressError, checkUrlShape } from '../../core/net/ssrf.ts';
import type { AssetRefInfo } from '../assets/index.ts';
import { LiveErrors } from './live.errors.ts';

/** Characters as people count them (code points), not UTF-16 units. */
export const chars = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

// Lone surrogates cannot be stored as UTF-8 text; control characters (NUL included) break
// logs, subtitles and speech. Multi-line fields may hold line breaks and tabs.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /\p{Cc}/u;
const hasControlButBreaks = (s: string): boolean => {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
};

export function checkPlainText(
  s: string,
  field: string,
  opts: { allowEmpty?: boolean; multiline?: boolean } = {},
): void {
  if (!opts.allowEmpty && s.trim() === '') throw LiveErrors.invalid(`${field} must not be empty`);
  if (LONE_SURROGATE.test(s)) throw LiveErrors.invalid(`${field} contains a lone surrogate`);
  if (opts.multiline ? hasControlButBreaks(s) : CONTROL.test(s))
    throw LiveErrors.invalid(`${field} must not contain control characters`);
}

/** An http(s) URL without credentials (media by URL, callbacks); reachability is judged at fetch time. */
export function checkHttpUrl(raw: string, field: string): URL {
  try {
    return checkUrlShape(raw);
  } catch (e) {
    const why = e instanceof BlockedAddressError ? e.reason : 'not a valid URL';
    throw LiveErrors.invalid(`${field}: ${why}`);
  }
}

/** A push target: rtmp:// or rtmps:// with a host, no credentials, no control characters. */
export function checkRtmpUrl(raw: string, field: string): URL {
  checkPlainText(raw, field);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw LiveErrors.invalid(`${field}: not a valid URL`);
  }
  if (u.protocol !== 'rtmp:' && u.protocol !== 'rtmps:')
    throw LiveErrors.invalid(`${field}: only rtmp:// and rtmps:// push targets are supported`);
  if (!u.hostname) throw LiveErrors.invalid(`${field}: the URL has no host`);
  if (u.username || u.password) throw LiveErrors.invalid(`${field}: credentials in the URL`);
  return u;
}

/** An asset a document names, where, and which asset types fit there. */
export interface AssetRef {
  field: string;
  assetId: string;
  types: readonly string[];
}

/** Every ref must be a live asset the project can see (MSS.10001001), of a fitting type. */
export function checkAssetRefs(refs: readonly AssetRef[], found: ReadonlyMap<string, AssetRefInfo>): void {
  for (const r of refs) {
    const a = found.get(r.assetId);
    if (!a) throw LiveErrors.assetNotFound(r.field, r.assetId);
    if (!r.types.includes(a.asset_type))
      throw LiveErrors.invalid(
        `${r.field}: asset ${r.assetId} is ${a.asset_type}; expected ${r.types.join(' or ')}`,
      );
  }
}
