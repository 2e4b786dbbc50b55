// Presigned URLs for the local backend, served by Doppel itself:
//   <publicUrl>/objects/<key>?X-Doppel-Expires=<unix s>[&constraints…]&X-Doppel-Signature=<hex>
// The signature is HMAC-SHA256 (key passed in by the composition root) over a canonical JSON
// array of method, key, expiry and every constraint present in the URL. JSON keeps the
// canonical form unambiguous whatever a value contains (a download name may hold anything).
// Dropping a constraint from a URL changes the canonical form, so it breaks the signature.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ObjectErrors } from './errors.ts';

export interface UrlGrant {
  method: 'GET' | 'PUT';
  key: string;
  /** Unix seconds. */
  expires: number;
  contentLength?: number;
  /** Base64. */
  md5?: string;
  contentType?: string;
  downloadName?: string;
  part?: number;
  uploadId?: string;
  /** '1': a single-use URL (see PresignPutOptions.once). */
  once?: string;
  /** The project a download URL was handed to (see PresignGetOptions.audience). */
  audience?: string;
}

const EXPIRES = 'X-Doppel-Expires';
const SIGNATURE = 'X-Doppel-Signature';
// Constraint fields and their query parameters, in canonical order.
const PARAMS = [
  ['contentLength', 'X-Doppel-Length'],
  ['md5', 'X-Doppel-MD5'],
  ['contentType', 'X-Doppel-Type'],
  ['downloadName', 'X-Doppel-Name'],
  ['part', 'X-Doppel-Part'],
  ['uploadId', 'X-Doppel-Upload'],
  ['once', 'X-Doppel-Once'],
  // Last, so URLs minted before it existed keep their canonical form.
  ['audience', 'X-Doppel-For'],
] as const;

function canonical(g: UrlGrant): string {
  const constraints = PARAMS.filter(([field]) => g[field] !== undefined).map(([field, param]) => [
    param,
    String(g[field]),
  ]);
  return JSON.stringify(['DOPPEL-HMAC-SHA256', g.method, g.key, String(g.expires), constraints]);
}

const hmac = (signingKey: Buffer, g: UrlGrant): Buffer =>
  createHmac('sha256', signingKey).update(canonical(g)).digest();

export function signUrl(publicUrl: string, signingKey: Buffer, g: UrlGrant): string {
  const q = new URLSearchParams();
  q.set(EXPIRES, String(g.expires));
  for (const [field, param] of PARAMS) if (g[field] !== undefined) q.set(param, String(g[field]));
  q.set(SIGNATURE, hmac(signingKey, g).toString('hex'));
  // Keys are URL-safe by construction (see key.ts), so they go into the path as they are.
  return `${publicUrl}/objects/${g.key}?${q.toString()}`;
}

export type Query = Record<string, string | string[] | undefined>;

/**
 * Rebuilds the grant from the request and checks its signature, then its expiry. A GET URL
 * also serves HEAD (it reveals less than the GET would). Throws 403 AppErrors.
 */
export function verifyUrl(
  signingKey: Buffer,
  method: 'GET' | 'PUT',
  key: string,
  query: Query,
  now: Date,
): UrlGrant {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) throw ObjectErrors.signatureMismatch(`${name} is repeated`);
    return v;
  };
  const signature = one(SIGNATURE);
  const expiresText = one(EXPIRES);
  if (signature === undefined || expiresText === undefined) {
    throw ObjectErrors.signatureMismatch(`${SIGNATURE} and ${EXPIRES} are required`);
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) throw ObjectErrors.signatureMismatch(`malformed ${SIGNATURE}`);
  if (!/^\d{1,12}$/.test(expiresText)) throw ObjectErrors.signatureMismatch(`malformed ${EXPIRES}`);
  const g: UrlGrant = { method, key, expires: Number(expiresText) };
  const raw: Record<string, string> = {};
  for (const [field, param] of PARAMS) {
    const v = one(param);
    if (v !== undefined) raw[field] = v;
  }
  // Signed as strings: rebuild the canonical form from the text exactly as it came.
  const textual = { ...g, ...raw } as unknown as UrlGrant;
  if (!timingSafeEqual(hmac(signingKey, textual), Buffer.from(signature, 'hex'))) {
    throw ObjectErrors.signatureMismatch('the URL was altered, or is for another key or method');
  }
  if (g.expires * 1000 <= now.getTime()) throw ObjectErrors.urlExpired(new Date(g.expires * 1000));
  // Signed by us, so well-formed; convert the numeric ones.
  return {
    ...g,
    ...raw,
    contentLength: raw.contentLength === undefined ? undefined : Number(raw.contentLength),
    part: raw.part === undefined ? undefined : Number(raw.part),
  };
}
