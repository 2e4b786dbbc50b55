// A small client-side AK/SK signer for tests, written from SEMANTICS.md §1.2 without
// importing src/core/auth, so that a bug in the server's canonicalisation cannot hide by
// being shared with the client that tests it. `signedFetch` behaves like the official SDK
// on the wire: JSON content type, X-Project-Id, X-Sdk-Date and Host signed, and a GET
// carries (and is signed over) the body `{}`.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Percent-encodes every UTF-8 byte outside `A-Z a-z 0-9 - _ . ~`, uppercase hex. */
export function rfc3986(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `20240115T083000Z` */
export function sdkDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  );
}

export interface ClientSignInput {
  method: string;
  url: string | URL;
  /** Every header given here is sent and signed. */
  headers: Record<string, string>;
  body: string | Buffer;
  ak: string;
  sk: string;
}

export interface ClientSigned {
  /** Lowercase names: the given headers plus authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
}

/** Signs exactly the given headers (which must include x-sdk-date). */
export function clientSign(input: ClientSignInput): ClientSigned {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  const date = headers['x-sdk-date'];
  if (!date) throw new Error('clientSign needs an x-sdk-date header');

  let uri = url.pathname
    .split('/')
    .map((seg) => rfc3986(decodeSegment(seg)))
    .join('/');
  if (!uri.endsWith('/')) uri += '/';

  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) params.set(k, [...(params.get(k) ?? []), v]);
  const query = [...params.keys()]
    .sort()
    .flatMap((k) => [...params.get(k)!].sort().map((v) => `${rfc3986(k)}=${rfc3986(v)}`))
    .join('&');

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]}\n`).join('');
  const signedHeaders = names.join(';');
  const payload = headers['x-sdk-content-sha256'] ?? hex(input.body);

  const canonicalRequest = [input.method, uri, query, canonicalHeaders, signedHeaders, payload].join('\n');
  const toSign = ['SDK-HMAC-SHA256', date, hex(canonicalRequest)].join('\n');
  const sig = createHmac('sha256', input.sk).update(toSign).digest('hex');
  headers.authorization = `SDK-HMAC-SHA256 Access=${input.ak}, SignedHeaders=${signedHeaders}, Signature=${sig}`;
  return { headers, canonicalRequest };
}

export interface SignedFetchOptions {
  method?: string;
  /** An object is sent as JSON; a string or Buffer as is. A GET always sends `{}`. */
  body?: unknown;
  ak: string;
  sk: string;
  /** Sent as X-Project-Id (as BasicCredentials does) when given. */
  projectId?: string;
  /** Extra headers, sent and signed (e.g. X-App-UserId). */
  headers?: Record<string, string>;
  /** The signing time (default now). */
  date?: Date;
}

/** The request the SDK would send, signed; also what `signedFetch` sends. */
export function buildSignedRequest(
  url: string | URL,
  opts: SignedFetchOptions,
): { method: string; url: URL; headers: Record<string, string>; body: Buffer } {
  const u = typeof url === 'string' ? new URL(url) : url;
  const method = (opts.method ?? 'GET').toUpperCase();
  let body: Buffer;
  if (method === 'GET') body = Buffer.from('{}');
  else if (opts.body === undefined) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(opts.body)) body = opts.body;
  else body = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: u.host,
    'x-sdk-date': sdkDate(opts.date ?? new Date()),
    ...(opts.projectId ? { 'x-project-id': opts.projectId } : {}),
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const signed = clientSign({ method, url: u, headers, body, ak: opts.ak, sk: opts.sk });
  return { method, url: u, headers: signed.headers, body };
}

/** Sends a signed request with node:http (fetch refuses a GET body) and returns a fetch Response. */
export function signedFetch(url: string | URL, opts: SignedFetchOptions): Promise<Response> {
  const req = buildSignedRequest(url, opts);
  const headers: Record<string, string> = { ...req.headers };
  if (req.body.length > 0) headers['content-length'] = String(req.body.length);
  const transport = req.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = transport.request(
      {
        method: req.method,
        hostname: req.url.hostname,
        port: req.url.port || undefined,
        path: req.url.pathname + req.url.search,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const resHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) resHeaders.append(k, one);
          }
          const nullBody = status === 204 || status === 205 || status === 304;
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: resHeaders }));
        });
      },
    );
    r.on('error', reject);
    r.end(req.body.length > 0 ? req.body : undefined);
  });
}
