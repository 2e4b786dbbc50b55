// The wire half of the S3 backend: where a request goes (path or virtual-host style), signing
// it, sending it with fetch, and turning S3's XML errors into AppErrors. s3.ts holds the
// ObjectStore semantics on top.
import { Readable } from 'node:stream';
import type { AppError } from '../errors/index.ts';
import type { Clock } from '../util/time.ts';
import { ObjectErrors } from './errors.ts';
import { xmlError } from './s3-xml.ts';
import {
  EMPTY_SHA256,
  presignUrl,
  requestUrl,
  type SigV4Credentials,
  type SigV4Request,
  sha256Hex,
  signRequest,
  UNSIGNED_PAYLOAD,
  uriEncode,
} from './sigv4.ts';
import type { ObjectMeta } from './types.ts';

export interface S3Target {
  /** e.g. `http://127.0.0.1:9000` (MinIO), `https://obs.cn-north-4.myhuaweicloud.com`; may carry a base path. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `<endpoint>/<bucket>/<key>` (MinIO's default) instead of `<bucket>.<endpoint host>/<key>`. */
  forcePathStyle: boolean;
}

export interface SendOptions {
  body?: Buffer | NodeJS.ReadableStream;
  /** Required with a stream body. */
  length?: number;
  /** Error statuses the caller handles itself. */
  accept?: number[];
}

export type RequestParts = { query?: Record<string, string>; headers?: Record<string, string> };

export const DEFAULT_TYPE = 'application/octet-stream';
export const unquote = (etag: string | null): string => (etag ?? '').replace(/^(W\/)?"|"$/g, '');

export class S3Client {
  readonly bucket: string;
  private readonly protocol: string;
  private readonly endpointHost: string;
  private readonly basePath: string;
  private readonly forcePathStyle: boolean;
  private readonly creds: SigV4Credentials;

  constructor(
    t: S3Target,
    private readonly clock: Clock,
    private readonly fetchFn: typeof fetch,
  ) {
    const u = new URL(t.endpoint);
    this.protocol = u.protocol;
    this.endpointHost = u.host;
    this.basePath = u.pathname.replace(/\/+$/, '');
    this.bucket = t.bucket;
    this.forcePathStyle = t.forcePathStyle;
    this.creds = { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey, region: t.region };
  }

  /** Where a request goes: the bucket in the path or in the host name. No key: the bucket itself. */
  req(method: string, key: string | undefined, extra: RequestParts = {}): SigV4Request {
    const keyPath = key === undefined ? '' : `/${uriEncode(key, true)}`;
    if (this.forcePathStyle) {
      const path = `${this.basePath}/${uriEncode(this.bucket)}${keyPath}`;
      return { method, protocol: this.protocol, host: this.endpointHost, path, ...extra };
    }
    const path = `${this.basePath}${keyPath}` || '/';
    return { method, protocol: this.protocol, host: `${this.bucket}.${this.endpointHost}`, path, ...extra };
  }

  presign(r: SigV4Request, expiresInSec: number, now = this.clock.now()): string {
    return presignUrl(r, this.creds, now, expiresInSec);
  }

  async send(op: string, r: SigV4Request, opts: SendOptions = {}): Promise<Response> {
    const { body } = opts;
    // Small bodies (XML, buffers) are signed; streamed ones go as UNSIGNED-PAYLOAD, which
    // every S3-compatible service accepts, and Content-MD5 still guards their integrity.
    const payloadHash =
      body === undefined ? EMPTY_SHA256 : Buffer.isBuffer(body) ? sha256Hex(body) : UNSIGNED_PAYLOAD;
    const headers = signRequest(r, this.creds, this.clock.now(), payloadHash);
    const init: RequestInit & { duplex?: 'half' } = { method: r.method, headers };
    if (Buffer.isBuffer(body)) {
      init.body = body as unknown as BodyInit; // a Buffer is a Uint8Array; the DOM typing disagrees
    } else if (body !== undefined) {
      init.body = Readable.toWeb(body as Readable) as ReadableStream;
      init.duplex = 'half';
      headers['content-length'] = String(opts.length); // else fetch would send it chunked
    }
    let res: Response;
    try {
      res = await this.fetchFn(requestUrl(r), init);
    } catch (e) {
      throw ObjectErrors.backend(op, 0, 'NetworkError', (e as Error).message);
    }
    if (res.status >= 300 && !(opts.accept ?? []).includes(res.status)) throw await this.failure(op, res);
    return res;
  }

  async failure(op: string, res: Response): Promise<AppError> {
    const e = xmlError(await res.text().catch(() => ''));
    return ObjectErrors.backend(op, res.status, e?.code ?? res.statusText, e?.message ?? '');
  }
}

/** ObjectMeta from HEAD/GET response headers. */
export function metaFrom(key: string, h: Headers): ObjectMeta {
  // A ranged GET carries the whole size after the slash of Content-Range.
  const range = h.get('content-range');
  const size = Number(range ? range.split('/')[1] : (h.get('content-length') ?? 0));
  const etag = unquote(h.get('etag'));
  // Our own puts record the MD5; otherwise a plain ETag is one (a multipart one, `<hex>-<n>`, is not).
  const md5 =
    h.get('x-amz-meta-md5') ??
    (/^[0-9a-f]{32}$/i.test(etag) ? Buffer.from(etag, 'hex').toString('base64') : '');
  return {
    key,
    size,
    contentType: h.get('content-type') ?? DEFAULT_TYPE,
    md5,
    etag,
    lastModified: new Date(h.get('last-modified') ?? 0),
  };
}
