// The console's MetaStudio client. It calls the public API exactly as an SDK does: every
// request is signed with SDK-HMAC-SHA256 (WebCrypto) for an access key, or carries the IAM
// token from POST /v3/auth/tokens in X-Auth-Token. Nothing here is console-only.

const enc = new TextEncoder();
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (data) =>
  hex(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? enc.encode(data) : data));

async function hmacHex(secret, text) {
  const key = await crypto.subtle.importKey(
    'raw',
    enc.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return hex(await crypto.subtle.sign('HMAC', key, enc.encode(text)));
}

/** RFC 3986 percent-encoding of every UTF-8 byte outside the unreserved set, uppercase hex. */
function rfc3986(s) {
  let out = '';
  for (const b of enc.encode(s)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `20240115T083000Z` */
export const sdkDate = (d = new Date()) => `${d.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

/** The Authorization header for a request (the canonical request of SEMANTICS §1.2). */
export async function signRequest({ method, url, headers, body, ak, sk }) {
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  let uri = url.pathname
    .split('/')
    .map((seg) => rfc3986(decodeURIComponent(seg)))
    .join('/');
  if (!uri.endsWith('/')) uri += '/';
  const params = new Map();
  for (const [k, v] of url.searchParams) params.set(k, [...(params.get(k) ?? []), v]);
  const query = [...params.keys()]
    .sort()
    .flatMap((k) => [...params.get(k)].sort().map((v) => `${rfc3986(k)}=${rfc3986(v)}`))
    .join('&');
  const canonical = [
    method,
    uri,
    query,
    names.map((n) => `${n}:${lower[n].trim()}\n`).join(''),
    names.join(';'),
    await sha256(body),
  ].join('\n');
  const toSign = ['SDK-HMAC-SHA256', lower['x-sdk-date'], await sha256(canonical)].join('\n');
  const sig = await hmacHex(sk, toSign);
  return `SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=${names.join(';')}, Signature=${sig}`;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

const SESSION_KEY = 'doppel.console.session';

/**
 * A signed-in session: `{kind: 'aksk', ak, sk, projectId}` or `{kind: 'token', token,
 * projectId, user, expiresAt}`. Kept in sessionStorage (this tab only).
 */
export const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    } catch {
      return null;
    }
  },
  set(s) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  },
  clear() {
    sessionStorage.removeItem(SESSION_KEY);
  },
};

/** IAM password sign-in: returns the session for the scoped project. */
export async function signInWithPassword({ domain, user, password, project }) {
  const res = await fetch('/v3/auth/tokens?nocatalog=true', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, password, domain: { name: domain } } },
        },
        scope: { project: /^[0-9a-f]{32}$/.test(project) ? { id: project } : { name: project } },
      },
    }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status !== 201)
    throw new ApiError(
      res.status,
      String(body.error?.code ?? res.status),
      body.error?.message ?? 'sign-in failed',
    );
  return {
    kind: 'token',
    token: res.headers.get('X-Subject-Token'),
    projectId: body.token.project.id,
    user: body.token.user?.name ?? user,
    expiresAt: body.token.expires_at,
  };
}

/**
 * One MetaStudio call. `path` may hold `{project_id}`; `query` values that are undefined or ''
 * are left out. Resolves to the parsed JSON body; rejects with an ApiError.
 */
export async function call(method, path, { query, body } = {}) {
  const s = session.get();
  if (!s) throw new ApiError(401, 'CONSOLE', 'not signed in');
  const url = new URL(path.replace('{project_id}', s.projectId), location.origin);
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  // A browser sends no body with GET; the signature covers what is sent.
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = { 'X-Project-Id': s.projectId };
  if (text) headers['Content-Type'] = 'application/json';
  if (s.kind === 'aksk') {
    headers['X-Sdk-Date'] = sdkDate();
    const signed = { ...headers, Host: location.host };
    headers.Authorization = await signRequest({
      method,
      url,
      headers: signed,
      body: text,
      ak: s.ak,
      sk: s.sk,
    });
  } else {
    headers['X-Auth-Token'] = s.token;
  }
  const res = await fetch(url, { method, headers, ...(text ? { body: text } : {}) });
  const raw = await res.text();
  let data = {};
  try {
    data = raw ? JSON.parse(raw) : {};
  } catch {
    data = { error_msg: raw };
  }
  if (!res.ok)
    throw new ApiError(res.status, data.error_code ?? String(res.status), data.error_msg ?? res.statusText);
  return data;
}

/** Polls `probe` every `ms` until it returns a value other than undefined (or `signal` aborts). */
export async function poll(probe, { ms = 1000, signal } = {}) {
  for (;;) {
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, ms));
  }
}
