// AWS Signature Version 4 for S3-compatible services (AWS, MinIO, Huawei OBS), without the
// AWS SDK: header signing for the calls S3ObjectStore makes, query-string presigning for the
// URLs it hands out. Pure functions of their inputs (the time is passed in), so the unit test
// can replay AWS's published examples byte for byte.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
import { createHash, createHmac } from 'node:crypto';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Defaults to `s3`. */
  service?: string;
}

/** Where a request goes. `path` is already URI-encoded (S3 signs it as sent, not re-encoded). */
export interface SigV4Request {
  method: string;
  protocol: string;
  /** host[:port], exactly as the Host header will carry it. */
  host: string;
  path: string;
  /** Decoded names and values; encoded and sorted here. */
  query?: Record<string, string>;
  /** Headers to sign besides host (and the x-amz-* ones added here). */
  headers?: Record<string, string>;
}

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const ALGORITHM = 'AWS4-HMAC-SHA256';

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** `20130524T000000Z` */
export const amzDate = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and `/` if asked). */
export function uriEncode(s: string, keepSlash = false): string {
  const e = encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? e.replace(/%2F/g, '/') : e;
}

/** Sorted, encoded `a=1&b=2`; also what goes on the wire, so the two never differ. */
export function canonicalQuery(query: Record<string, string> = {}): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function requestUrl(r: SigV4Request): string {
  const q = canonicalQuery(r.query);
  return `${r.protocol}//${r.host}${r.path}${q ? `?${q}` : ''}`;
}

function canonicalHeaders(headers: Record<string, string>): { canonical: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), String(v).trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    canonical: entries.map(([k, v]) => `${k}:${v}\n`).join(''),
    signed: entries.map(([k]) => k).join(';'),
  };
}

function signature(
  creds: SigV4Credentials,
  date: string,
  r: SigV4Request,
  query: Record<string, string>,
  headers: Record<string, string>,
  payloadHash: string,
): { signature: string; signedHeaders: string } {
  const service = creds.service ?? 's3';
  const day = date.slice(0, 8);
  const h = canonicalHeaders(headers);
  const canonicalRequest = [r.method, r.path, canonicalQuery(query), h.canonical, h.signed, payloadHash].join(
    '\n',
  );
  const scope = `${day}/${creds.region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, date, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${creds.secretAccessKey}`, day);
  for (const part of [creds.region, service, 'aws4_request']) key = hmac(key, part);
  return { signature: hmac(key, stringToSign).toString('hex'), signedHeaders: h.signed };
}

export const credentialScope = (creds: SigV4Credentials, now: Date): string =>
  `${creds.accessKeyId}/${amzDate(now).slice(0, 8)}/${creds.region}/${creds.service ?? 's3'}/aws4_request`;

/**
 * Header signing. Returns the headers to send: the request's own, `x-amz-date`,
 * `x-amz-content-sha256` and `Authorization` (Host is set by fetch from the URL, as signed).
 */
export function signRequest(
  r: SigV4Request,
  creds: SigV4Credentials,
  now: Date,
  payloadHash: string,
): Record<string, string> {
  const date = amzDate(now);
  const headers = { ...r.headers, 'x-amz-content-sha256': payloadHash, 'x-amz-date': date };
  const s = signature(creds, date, r, r.query ?? {}, { ...headers, host: r.host }, payloadHash);
  return {
    ...headers,
    authorization: `${ALGORITHM} Credential=${credentialScope(creds, now)}, SignedHeaders=${s.signedHeaders}, Signature=${s.signature}`,
  };
}

/**
 * Query-string presigning. Headers in `r.headers` (content-type, content-md5, content-length)
 * become signed constraints: the client must send exactly those values.
 */
export function presignUrl(
  r: SigV4Request,
  creds: SigV4Credentials,
  now: Date,
  expiresInSec: number,
): string {
  const date = amzDate(now);
  const headers = { ...r.headers, host: r.host };
  const query: Record<string, string> = {
    ...r.query,
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': credentialScope(creds, now),
    'X-Amz-Date': date,
    'X-Amz-Expires': String(expiresInSec),
    'X-Amz-SignedHeaders': canonicalHeaders(headers).signed,
  };
  const s = signature(creds, date, r, query, headers, UNSIGNED_PAYLOAD);
  return requestUrl({ ...r, query: { ...query, 'X-Amz-Signature': s.signature } });
}
