// AK/SK request signing (`SDK-HMAC-SHA256`) exactly as the official Huawei Cloud SDK core
// computes it (SEMANTICS.md §1.2, aksk-test-vector.json). Pure functions: the server side
// rebuilds the canonical request from what arrived on the wire, the client side
// (`signRequest`, used by our CLI and benchmarks) builds it from what it is about to send.
//
// Where the official signer is ambiguous or internally inconsistent, the verifier tries
// each reading the SDK could have meant (at most a handful of HMACs, and only when the
// readings differ); see `candidateCanonicalRequests`.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { unescape as qsUnescape } from 'node:querystring';
import { Errors } from '../errors/index.ts';

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const SDK_DATE_HEADER = 'x-sdk-date';
export const CONTENT_SHA256_HEADER = 'x-sdk-content-sha256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** The API gateway's window for `X-Sdk-Date`, either side of the server clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Lowercase header name → value, as Node delivers them (`IncomingMessage.headers`). */
export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
export const hmacSha256Hex = (key: string, data: string): string =>
  createHmac('sha256', key).update(data).digest('hex');

// ── encoding ────────────────────────────────────────────────────────────────

/**
 * The SDK's `urlEncode`: everything but the RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`)
 * becomes `%XX` (uppercase hex) of its UTF-8 bytes. encodeURIComponent differs only in
 * leaving `! ' ( ) *` alone. A lone surrogate throws, as it does in the SDK.
 */
export function sdkEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decoding that leaves malformed escapes as they are instead of throwing. */
function lenientDecode(s: string): string {
  return qsUnescape(s);
}

// ── canonical URI ───────────────────────────────────────────────────────────

/**
 * Characters that Node's legacy `url.parse` (which the SDK runs on the endpoint + path
 * before encoding) escapes on its own. The SDK then encodes the `%` of those escapes again.
 */
const LEGACY_AUTO_ESCAPE = /[\t\n\r "'<>\\^`{|}]/g;
const legacyAutoEscape = (s: string): string =>
  s.replace(LEGACY_AUTO_ESCAPE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** Turns runs of `%XX` that spell valid UTF-8 for non-ASCII characters back into those characters. */
const decodeNonAscii = (s: string): string =>
  s.replace(/(?:%[89A-Fa-f][0-9A-Fa-f])+/g, (run) => {
    const text = Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8');
    return text.includes('\uFFFD') ? run : text;
  });

export type PathReading = 'decoded' | 'sdk' | 'sdk-raw';

const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

/**
 * The canonical URI: the path split on `/`, each segment encoded with `sdkEncode`, and a
 * trailing `/` always added. What "the path" is depends on the reading:
 *
 * - `decoded` (primary; what Huawei's other signers do): each segment percent-decoded.
 * - `sdk`: the Node SDK given a raw path. It signs `url.parse(endpoint + path).pathname`
 *   without decoding it, and `url.parse` has escaped spaces, quotes and a few others but
 *   left non-ASCII alone; axios then sends the path WHATWG-encoded. So from the wire:
 *   non-ASCII escapes are undone, ASCII escapes are kept (and encoded again, `%20` →
 *   `%2520`), the characters `url.parse` escapes are escaped.
 * - `sdk-raw`: the Node SDK given a path its caller already percent-encoded: the wire form
 *   is what it signed, encoded once more.
 * All three agree for a path of unreserved characters and sub-delims, which includes every
 * MetaStudio path (ids are hex).
 */
export function canonicalUri(rawPath: string, reading: PathReading = 'decoded'): string {
  // Unreserved characters and '/' only: every reading leaves each segment as it is.
  if (PLAIN_PATH.test(rawPath)) return rawPath.endsWith('/') ? rawPath : `${rawPath}/`;
  const prepare: Record<PathReading, (seg: string) => string> = {
    decoded: lenientDecode,
    sdk: (seg) => legacyAutoEscape(decodeNonAscii(seg)),
    'sdk-raw': legacyAutoEscape,
  };
  const joined = rawPath
    .split('/')
    .map((seg) => sdkEncode(prepare[reading](seg)))
    .join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

// ── canonical query ─────────────────────────────────────────────────────────

/**
 * Decodes a raw query string into key → values, keeping repeated keys. `+` means a space
 * (form encoding, as Fastify's query parser reads it); a key without `=` has the value ''.
 */
export function parseRawQuery(rawQuery: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const q = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  if (q === '') return out;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const key = lenientDecode(rawKey.replace(/\+/g, ' '));
    const value = lenientDecode(rawValue.replace(/\+/g, ' '));
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

export type QueryParams = Readonly<
  Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>
>;

/**
 * The SDK's canonical query: keys sorted with JavaScript's default (UTF-16 code unit) order,
 * `key=value` with both sides `sdkEncode`d, an array's values sorted the same way and the key
 * repeated for each, pairs joined with `&`. No query → ''.
 */
export function canonicalQuery(params: Map<string, string[]> | QueryParams): string {
  const entries: Array<[string, string[]]> =
    params instanceof Map
      ? [...params.entries()]
      : Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : [String(v)]]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pairs: string[] = [];
  for (const [key, values] of entries) {
    const k = sdkEncode(key);
    for (const v of [...values].sort()) pairs.push(`${k}=${sdkEncode(v)}`);
  }
  return pairs.join('&');
}

// ── canonical headers ───────────────────────────────────────────────────────

const headerValue = (headers: HeaderMap, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/** `name:value\n` for each name, in the order given. Throws when a signed header is absent. */
export function canonicalHeaders(names: readonly string[], headers: HeaderMap): string {
  let out = '';
  for (const name of names) {
    const value = headerValue(headers, name);
    if (value === undefined)
      throw Errors.authFailed(`verify aksk signature fail: signed header '${name}' is absent`);
    out += `${name}:${value}\n`;
  }
  return out;
}

/** The SDK orders its canonical headers with `localeCompare` on the lowercased names. */
const sdkHeaderOrder = (names: readonly string[]): string[] =>
  [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));

// ── payload, request, string to sign ────────────────────────────────────────

/** The literal `X-Sdk-Content-Sha256` when present (e.g. UNSIGNED-PAYLOAD), else SHA-256 of the body. */
export function payloadHash(body: Buffer | string, headers: HeaderMap): string {
  return headerValue(headers, CONTENT_SHA256_HEADER) ?? sha256Hex(body);
}

export interface CanonicalParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: string;
  payloadHash: string;
}

export const canonicalRequest = (p: CanonicalParts): string =>
  [p.method, p.canonicalUri, p.canonicalQuery, p.canonicalHeaders, p.signedHeaders, p.payloadHash].join('\n');

export const stringToSign = (sdkDate: string, canonicalRequestText: string): string =>
  `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequestText)}`;

export const signature = (sk: string, stringToSignText: string): string =>
  hmacSha256Hex(sk, stringToSignText);

// ── X-Sdk-Date ──────────────────────────────────────────────────────────────

/** `20240115T083000Z` */
export function formatSdkDate(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Parses `YYYYMMDDTHHmmssZ` (UTC) strictly; undefined when malformed. */
export function parseSdkDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const date = new Date(t);
  // Reject rollovers such as month 13 or 25 o'clock.
  if (formatSdkDate(date) !== s) return undefined;
  return date;
}

// ── Authorization header ────────────────────────────────────────────────────

export interface ParsedAuthorization {
  accessKey: string;
  /** The `SignedHeaders` value exactly as sent (it is part of the canonical request). */
  signedHeaders: string;
  /** Its names, in the order sent. */
  signedHeaderNames: string[];
  /** Lowercase hex. */
  signature: string;
}

/** Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>`. */
export function parseAuthorization(value: string): ParsedAuthorization {
  const malformed = (why: string) => Errors.authFailed(`malformed Authorization header: ${why}`);
  const m = /^(\S+)\s+(.*)$/s.exec(value.trim());
  if (!m) throw malformed(`expected '${ALGORITHM} Access=…, SignedHeaders=…, Signature=…'`);
  if (m[1] !== ALGORITHM)
    throw malformed(`unsupported algorithm '${m[1]!.slice(0, 40)}', expected ${ALGORITHM}`);
  const fields = new Map<string, string>();
  for (const part of m[2]!.split(',')) {
    const p = part.trim();
    const eq = p.indexOf('=');
    if (eq <= 0) throw malformed(`'${p.slice(0, 40)}' is not name=value`);
    const name = p.slice(0, eq).trim();
    if (fields.has(name)) throw malformed(`${name} appears twice`);
    fields.set(name, p.slice(eq + 1).trim());
  }
  const accessKey = fields.get('Access');
  const signedHeaders = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  if (!accessKey) throw malformed('Access is missing');
  if (!signedHeaders) throw malformed('SignedHeaders is missing');
  if (!sig) throw malformed('Signature is missing');
  if (!/^[0-9a-fA-F]{64}$/.test(sig)) throw malformed('Signature must be 64 hex characters');
  const signedHeaderNames = signedHeaders.split(';');
  if (signedHeaderNames.some((n) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(n))) {
    throw malformed('SignedHeaders must be lowercase header names separated by ;');
  }
  return { accessKey, signedHeaders, signedHeaderNames, signature: sig.toLowerCase() };
}

// ── the server side ─────────────────────────────────────────────────────────

/** What the signature needs of a body: its SHA-256, computed while it streamed in. */
export interface BodyDigest {
  sha256: string;
  length: number;
}

export const digestOf = (body: Buffer): BodyDigest => ({ sha256: sha256Hex(body), length: body.length });

/**
 * Whether a body with this content type is JSON, as the server parses it (and as the SDK's
 * `isJsonContentType` decides, plus `+json` types): absent means JSON.
 */
export const isJsonContentType = (contentType: string | undefined): boolean =>
  !contentType || /[/+]json\b/i.test(contentType);

/** A request as it arrived: the raw path and query string from the request line. */
export interface WireRequest {
  method: string;
  rawPath: string;
  /** Without the leading `?`; '' when there is none. */
  rawQuery: string;
  headers: HeaderMap;
  /** The bytes, or their digest when they were hashed as they streamed. */
  body: Buffer | BodyDigest;
}

/**
 * The canonical request in its primary reading, for a given Authorization header. Used by
 * the verifier and by tests that compare against the official vectors.
 */
export function canonicalRequestFromWire(
  req: WireRequest,
  auth: Pick<ParsedAuthorization, 'signedHeaders' | 'signedHeaderNames'>,
): string {
  return candidateCanonicalRequests(req, auth)[0]!;
}

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
const EMPTY_JSON_SHA256 = sha256Hex('{}');

/**
 * Every reading of the request the official SDK could have signed, primary first,
 * without duplicates. Besides the primary one:
 * - the Node SDK's path readings (see `canonicalUri`), when the path holds `%` or a
 *   character that `url.parse` escapes;
 * - the SDK's `localeCompare` header order, when it differs from the order in
 *   SignedHeaders (only for names with `_`: the SDK sorts the SignedHeaders list by code
 *   unit but its canonical headers by locale, and other SDKs use one order for both);
 * - a body of `{}` for a bodyless method that arrived without one: the SDK signs `{}` on
 *   every GET, and a proxy in between may drop a GET body. Harmless: `{}` means no input.
 */
export function candidateCanonicalRequests(
  req: WireRequest,
  auth: Pick<ParsedAuthorization, 'signedHeaders' | 'signedHeaderNames'>,
): string[] {
  const uris = [
    ...new Set((['decoded', 'sdk', 'sdk-raw'] as const).map((r) => canonicalUri(req.rawPath, r))),
  ];

  const orders = [auth.signedHeaderNames];
  const locale = sdkHeaderOrder(auth.signedHeaderNames);
  if (locale.join(';') !== auth.signedHeaderNames.join(';')) orders.push(locale);

  const digest = Buffer.isBuffer(req.body) ? digestOf(req.body) : req.body;
  const declared = headerValue(req.headers, CONTENT_SHA256_HEADER);
  const hashes = [declared ?? digest.sha256];
  if (digest.length === 0 && BODYLESS_METHODS.has(req.method.toUpperCase()) && declared === undefined) {
    hashes.push(EMPTY_JSON_SHA256);
  }

  const query = canonicalQuery(parseRawQuery(req.rawQuery));
  const out: string[] = [];
  for (const uri of uris) {
    for (const order of orders) {
      const headers = canonicalHeaders(order, req.headers);
      for (const hash of hashes) {
        out.push(
          canonicalRequest({
            method: req.method,
            canonicalUri: uri,
            canonicalQuery: query,
            canonicalHeaders: headers,
            signedHeaders: auth.signedHeaders,
            payloadHash: hash,
          }),
        );
      }
    }
  }
  return out;
}

/** Headers every signature must cover (ERRATA 51): the date binds it to a time, host to a server. */
const REQUIRED_SIGNED_HEADERS = ['host', SDK_DATE_HEADER] as const;

/**
 * One answer for an unknown access key and for a wrong signature, so that the answer does
 * not tell whether a key exists (the server logs which it was).
 */
export const signatureMismatch = () =>
  Errors.authFailed(
    'verify aksk signature fail: the access key is unknown or the signature does not match the request',
  );

/** What the headers of an AK/SK request say, once checked. */
export interface AkSkHead {
  auth: ParsedAuthorization;
  rawDate: string;
}

/**
 * Every check that needs neither the body nor the secret: the Authorization syntax, the
 * headers that must be signed and be present, the date window, the payload-hash header.
 * Runs before a byte of the body is read.
 */
export function checkAkSkHead(input: { headers: HeaderMap; now: Date }): AkSkHead {
  const authorization = headerValue(input.headers, 'authorization');
  if (!authorization) throw Errors.authFailed('the Authorization header is missing');
  const auth = parseAuthorization(authorization);

  for (const name of REQUIRED_SIGNED_HEADERS) {
    if (!auth.signedHeaderNames.includes(name)) {
      throw Errors.authFailed(`verify aksk signature fail: ${name} must be one of the SignedHeaders`);
    }
  }
  for (const name of auth.signedHeaderNames) {
    if (headerValue(input.headers, name) === undefined) {
      throw Errors.authFailed(`verify aksk signature fail: signed header '${name}' is absent`);
    }
  }
  const rawDate = headerValue(input.headers, SDK_DATE_HEADER)!;
  const date = parseSdkDate(rawDate);
  if (!date)
    throw Errors.authFailed(`X-Sdk-Date '${rawDate.slice(0, 40)}' is not in the form YYYYMMDDTHHmmssZ`);
  const skew = date.getTime() - input.now.getTime();
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    throw Errors.authFailed(
      `X-Sdk-Date ${rawDate} is ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? 'behind' : 'ahead of'} the server time ${formatSdkDate(input.now)}; the allowed skew is 15 minutes`,
    );
  }

  const declared = headerValue(input.headers, CONTENT_SHA256_HEADER);
  if (declared === UNSIGNED_PAYLOAD) {
    // The SDKs leave the body unsigned only for non-JSON (multipart) uploads (ERRATA 51).
    if (isJsonContentType(headerValue(input.headers, 'content-type'))) {
      throw Errors.authFailed(
        'X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is accepted only for non-JSON bodies; sign the JSON body',
      );
    }
  } else if (declared !== undefined && !/^[0-9a-fA-F]{64}$/.test(declared)) {
    throw Errors.authFailed('X-Sdk-Content-Sha256 must be the hex SHA-256 of the body or UNSIGNED-PAYLOAD');
  }
  return { auth, rawDate };
}

/**
 * The signature check, once the body is known. Throws `signatureMismatch` (the reason
 * never includes the secret key or the expected signature).
 */
export function checkAkSkSignature(req: WireRequest, head: AkSkHead, sk: string): void {
  const digest = Buffer.isBuffer(req.body) ? digestOf(req.body) : req.body;
  const declared = headerValue(req.headers, CONTENT_SHA256_HEADER);
  if (declared !== undefined && declared !== UNSIGNED_PAYLOAD && declared.toLowerCase() !== digest.sha256) {
    throw Errors.authFailed('X-Sdk-Content-Sha256 does not match the body');
  }
  const candidates = candidateCanonicalRequests({ ...req, body: digest }, head.auth);
  const given = Buffer.from(head.auth.signature, 'hex');
  let matched = false;
  for (const c of candidates) {
    const expected = Buffer.from(signature(sk, stringToSign(head.rawDate, c)), 'hex');
    // Every candidate is compared, so the time spent does not say which one matched.
    if (timingSafeEqual(expected, given)) matched = true;
  }
  if (!matched) throw signatureMismatch();
}

export interface VerifyAkSkInput extends WireRequest {
  now: Date;
  /** The secret key and project of an access key, or null when there is no such key. */
  lookupSecret(accessKey: string): Promise<{ sk: string; projectId: string } | null>;
}

export interface AkSkCaller {
  accessKey: string;
  projectId: string;
}

/** Verifies an `SDK-HMAC-SHA256` signed request whose body is at hand: head, key, signature. */
export async function verifyAkSk(input: VerifyAkSkInput): Promise<AkSkCaller> {
  const head = checkAkSkHead(input);
  const secret = await input.lookupSecret(head.auth.accessKey);
  if (!secret) throw signatureMismatch();
  checkAkSkSignature(input, head, secret.sk);
  return { accessKey: head.auth.accessKey, projectId: secret.projectId };
}

// ── the client side ─────────────────────────────────────────────────────────

export interface SignRequestInput {
  method: string;
  /** The path as it will go on the wire (percent-encoded where needed). */
  rawPath: string;
  /** The query string as it will go on the wire, without `?`. */
  rawQuery?: string;
  /** Headers to send and sign; include `host` and `content-type` as the SDK does. */
  headers: Readonly<Record<string, string>>;
  body?: Buffer | string;
  ak: string;
  sk: string;
  now?: Date;
}

export interface SignedRequest {
  /** The given headers (names lowercased) plus `x-sdk-date` and `authorization`. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
}

/** Signs a request the way the SDK does; every given header is signed. */
export function signRequest(input: SignRequestInput): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers[SDK_DATE_HEADER] ??= formatSdkDate(input.now ?? new Date());
  delete headers.authorization;
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const body = input.body ?? '';
  const text = canonicalRequest({
    method: input.method.toUpperCase(),
    canonicalUri: canonicalUri(input.rawPath),
    canonicalQuery: canonicalQuery(parseRawQuery(input.rawQuery ?? '')),
    canonicalHeaders: canonicalHeaders(names, headers),
    signedHeaders,
    payloadHash: payloadHash(body, headers),
  });
  const sts = stringToSign(headers[SDK_DATE_HEADER]!, text);
  headers.authorization = `${ALGORITHM} Access=${input.ak}, SignedHeaders=${signedHeaders}, Signature=${signature(input.sk, sts)}`;
  return { headers, canonicalRequest: text, stringToSign: sts };
}
