// The live_event_report_url's own credential (SEMANTICS §1.3: `auth_key` + `expires_time` in the
// query, or `x-mss-auth-key` + `x-mss-expires-time` headers; MetaStudio does not publish the
// HMAC input, so Doppel defines it, contract/ERRATA.md):
//   auth_key = hex(HMAC-SHA256(secret, `${project_id}\n${job_id}\n${expires_time}`))
// with expires_time in epoch ms, and `secret` derived per deployment from the server's signing
// key. The key is short-lived (the caller asks ShowSmartLive with refresh_url=true for a new
// URL), checked in constant time, and names one job of one project. Pure.
import crypto from 'node:crypto';

export const REPORT_KEY_TTL_MS = 2 * 60 * 60 * 1000;
/** The contract's range for expires_time. */
export const MAX_EXPIRES_TIME = 4_102_415_999_000;

export function reportAuthKey(secret: string, projectId: string, jobId: string, expiresTime: number): string {
  return crypto.createHmac('sha256', secret).update(`${projectId}\n${jobId}\n${expiresTime}`).digest('hex');
}

export type ReportAuthResult = 'ok' | 'missing' | 'expired' | 'invalid';

export function checkReportAuth(
  secret: string,
  target: { projectId: string; jobId: string },
  given: { authKey?: string; expiresTime?: string },
  now = Date.now(),
): ReportAuthResult {
  if (!given.authKey || !given.expiresTime) return 'missing';
  if (!/^\d{1,13}$/.test(given.expiresTime)) return 'invalid';
  const expires = Number(given.expiresTime);
  if (expires > MAX_EXPIRES_TIME) return 'invalid';
  const want = Buffer.from(reportAuthKey(secret, target.projectId, target.jobId, expires), 'hex');
  const got = /^[0-9a-f]{64}$/i.test(given.authKey) ? Buffer.from(given.authKey, 'hex') : Buffer.alloc(0);
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return 'invalid';
  return expires < now ? 'expired' : 'ok';
}

/** The report URL with its credential in the query (what StartSmartLive / ShowSmartLive return). */
export function reportUrl(
  base: string,
  secret: string,
  target: { projectId: string; roomId: string; jobId: string },
  now = Date.now(),
): string {
  const expires = now + REPORT_KEY_TTL_MS;
  const key = reportAuthKey(secret, target.projectId, target.jobId, expires);
  return `${base.replace(/\/+$/, '')}/v1/${target.projectId}/smart-live-rooms/${target.roomId}/smart-live-jobs/${target.jobId}/live-event-report?auth_key=${key}&expires_time=${expires}`;
}
