// Outbound HTTP for URLs that callers chose (callbacks, media by URL): every address the
// host resolves to passes the SSRF guard (ssrf.ts) at connect time — the check runs inside
// the socket's own DNS lookup, so a name cannot resolve to a public address for the check
// and to a private one for the connection. Redirects are followed by hand (at most a few),
// each one checked again. Timeouts bound the whole exchange; the body read is capped.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { BlockedAddressError, checkAddress, checkUrlShape } from './ssrf.ts';

export interface SafeFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Config `allowPrivateFetch`. */
  allowPrivate: boolean;
  /** Whole exchange, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Redirects followed (each re-checked); default 3, 0 refuses any. */
  maxRedirects?: number;
  /** Response bytes kept; the rest is discarded. Default 1 MiB. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export { BlockedAddressError } from './ssrf.ts';

type LookupFn = NonNullable<http.RequestOptions['lookup']>;

/** A dns.lookup that refuses blocked addresses; used as the socket's resolver. */
export function guardedLookup(target: string, allowPrivate: boolean): LookupFn {
  return ((hostname: string, options: dns.LookupOptions, cb: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err);
      const list = addresses as dns.LookupAddress[];
      try {
        for (const a of list) checkAddress(target, a.address, { allowPrivate });
      } catch (e) {
        return cb(e);
      }
      if (options.all) return cb(null, list);
      const first = list[0];
      if (!first) return cb(new Error(`no address for ${hostname}`));
      cb(null, first.address, first.family);
    });
  }) as LookupFn;
}

export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<SafeResponse> {
  const maxRedirects = opts.maxRedirects ?? 3;
  let url = rawUrl;
  let method = opts.method ?? 'GET';
  let body = opts.body;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url, { ...opts, method, body });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      if (hop >= maxRedirects) throw new BlockedAddressError(rawUrl, `more than ${maxRedirects} redirects`);
      url = new URL(location, url).toString();
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return res;
  }
}

function requestOnce(rawUrl: string, opts: SafeFetchOptions & { method: string }): Promise<SafeResponse> {
  const u = checkUrlShape(rawUrl);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  // Literal IPs never go through lookup: check them here.
  if (net.isIP(host)) checkAddress(rawUrl, host, { allowPrivate: opts.allowPrivate });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise<SafeResponse>((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = lib.request(
      u,
      {
        method: opts.method,
        headers,
        lookup: guardedLookup(rawUrl, opts.allowPrivate),
        signal: opts.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < maxBody) {
            chunks.push(c.subarray(0, maxBody - kept));
            kept += Math.min(c.length, maxBody - kept);
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: rawUrl,
          });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`timed out after ${timeoutMs} ms: ${rawUrl}`)),
      timeoutMs,
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface SafeStreamResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body as it arrives; each chunk must come within `idleTimeoutMs` of the last. */
  body: AsyncIterable<Buffer>;
}

/**
 * One request whose answer is read as it streams (an LLM's server-sent events). The same
 * SSRF checks as safeFetch; no redirects (a streamed POST is not replayed elsewhere).
 * `timeoutMs` bounds the wait for the response head, `idleTimeoutMs` each gap in the body;
 * `signal` aborts both.
 */
export function safeFetchStream(
  rawUrl: string,
  opts: Omit<SafeFetchOptions, 'maxRedirects' | 'maxBodyBytes'> & { idleTimeoutMs?: number },
): Promise<SafeStreamResponse> {
  const u = checkUrlShape(rawUrl);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) checkAddress(rawUrl, host, { allowPrivate: opts.allowPrivate });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise<SafeStreamResponse>((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = lib.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers,
        lookup: guardedLookup(rawUrl, opts.allowPrivate),
        signal: opts.signal,
        agent: false,
      },
      (res) => {
        clearTimeout(timer);
        const stall = () => res.destroy(new Error(`no data for ${idleMs} ms: ${rawUrl}`));
        async function* body(): AsyncIterable<Buffer> {
          let idle = setTimeout(stall, idleMs);
          try {
            for await (const c of res) {
              clearTimeout(idle);
              idle = setTimeout(stall, idleMs);
              yield c as Buffer;
            }
          } finally {
            clearTimeout(idle);
            res.destroy();
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body() });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`timed out after ${timeoutMs} ms: ${rawUrl}`)),
      timeoutMs,
    );
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
