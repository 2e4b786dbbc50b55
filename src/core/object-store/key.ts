// Key and option checks shared by every backend, so a key valid for one is valid for all and
// the local backend can map keys to paths without any traversal risk.
import { ObjectErrors } from './errors.ts';
import { MAX_PARTS, MAX_PRESIGN_SEC } from './types.ts';

export const MAX_KEY_LENGTH = 1024;
const KEY_CHARS = /^[A-Za-z0-9._\-/]+$/;

/**
 * Keys are `/`-separated segments of `[A-Za-z0-9._-]`: no leading, trailing or doubled `/`
 * (S3 would allow them, local paths would not round-trip), no `.` segment and no `..` anywhere
 * (stricter than needed against traversal, but simple to state and to audit). The charset
 * leaves out `~`, which the local backend uses for its own file names.
 */
export function assertValidKey(key: string): void {
  checkPath(key, false);
}

/** A prefix for deletePrefix: like a key, but it may end in `/`. Empty is refused (it would mean all). */
export function assertValidPrefix(prefix: string): void {
  checkPath(prefix, true);
}

function checkPath(key: string, isPrefix: boolean): void {
  const fail = (why: string) => {
    throw ObjectErrors.invalidKey(key, why);
  };
  if (typeof key !== 'string' || key.length === 0) fail('must not be empty');
  if (key.length > MAX_KEY_LENGTH) fail(`must be at most ${MAX_KEY_LENGTH} characters`);
  if (key.includes('\0')) fail('must not contain NUL');
  if (!KEY_CHARS.test(key)) fail('only A-Z a-z 0-9 . _ - / are allowed');
  if (key.startsWith('/')) fail('must not start with /');
  if (key.includes('..')) fail('must not contain ..');
  const segments = key.split('/');
  if (isPrefix && segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  for (const s of segments) {
    if (s === '') fail('must not contain an empty segment (// or a trailing /)');
    if (s === '.') fail('must not contain a . segment');
  }
}

/** Base64 of exactly 16 bytes, or throws invalidDigest. */
export function assertMd5(md5: string): void {
  if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw ObjectErrors.invalidDigest(md5);
}

export function assertExpiry(expiresInSec: number): void {
  if (!Number.isInteger(expiresInSec) || expiresInSec < 1 || expiresInSec > MAX_PRESIGN_SEC) {
    throw ObjectErrors.invalidOption(`expiresInSec must be an integer in 1..${MAX_PRESIGN_SEC}`);
  }
}

export function assertPartCount(partCount: number): void {
  if (!Number.isInteger(partCount) || partCount < 1 || partCount > MAX_PARTS) {
    throw ObjectErrors.invalidOption(`partCount must be an integer in 1..${MAX_PARTS}`);
  }
}

/** RFC 6266 / 5987: `attachment; filename*=UTF-8''<percent-encoded>`. */
export function contentDisposition(downloadName: string): string {
  const encoded = encodeURIComponent(downloadName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${encoded}`;
}
