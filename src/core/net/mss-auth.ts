// MetaStudio's outbound callback signature (SEMANTICS §1.3): `MSS_A` appends
// `secret=hex(HMAC-SHA256(key, callbackUrl + decimalMillis))&time_stamp=hex(millis)` to the
// query; `MSS_A_HEAD` sends the same two values in `x-hw-mss-secret` / `x-hw-mss-time`;
// `NONE` sends neither (the auth, if any, is inside the URL).
import { timingSafeEqual } from 'node:crypto';
import { hmacSha256Hex } from '../auth/aksk.ts';

export type MssAuthType = 'NONE' | 'MSS_A' | 'MSS_A_HEAD';

/** The two values: `secret` (hex HMAC) and `timeStamp` (hex epoch ms). */
export function mssSecret(
  key: string,
  callbackUrl: string,
  millis: number,
): { secret: string; timeStamp: string } {
  return { secret: hmacSha256Hex(key, `${callbackUrl}${millis}`), timeStamp: millis.toString(16) };
}

/** The URL and headers a signed callback is sent with. The HMAC covers the URL as configured. */
export function signCallback(
  callbackUrl: string,
  auth: { type: MssAuthType; key?: string },
  millis: number,
): { url: string; headers: Record<string, string> } {
  if (auth.type === 'NONE' || !auth.key) return { url: callbackUrl, headers: {} };
  const { secret, timeStamp } = mssSecret(auth.key, callbackUrl, millis);
  if (auth.type === 'MSS_A_HEAD') {
    return { url: callbackUrl, headers: { 'x-hw-mss-secret': secret, 'x-hw-mss-time': timeStamp } };
  }
  const u = new URL(callbackUrl);
  u.searchParams.append('secret', secret);
  u.searchParams.append('time_stamp', timeStamp);
  return { url: u.toString(), headers: {} };
}

/** Receiver side (tests, examples): recomputes the secret from what arrived. */
export function verifyMssSecret(
  key: string,
  callbackUrl: string,
  got: { secret: string; timeStamp: string },
): boolean {
  const millis = Number.parseInt(got.timeStamp, 16);
  if (!Number.isFinite(millis)) return false;
  const want = Buffer.from(mssSecret(key, callbackUrl, millis).secret);
  const given = Buffer.from(got.secret);
  return want.length === given.length && timingSafeEqual(want, given);
}
