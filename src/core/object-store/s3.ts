// Objects in an S3-compatible service (AWS S3, MinIO, Huawei OBS) over plain fetch and our
// own SigV4 (sigv4.ts): no AWS SDK. Clients upload through URLs presigned for the service
// itself. Downloads too, unless `downloads` is set: then download URLs point at Doppel's
// /objects route, which checks the download gate on every use and redirects to a URL
// presigned for the service that lives only a minute (http.ts), so revoking access ends them.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Clock, systemClock } from '../util/time.ts';
import { ObjectErrors } from './errors.ts';
import {
  assertExpiry,
  assertMd5,
  assertPartCount,
  assertValidKey,
  assertValidPrefix,
  contentDisposition,
} from './key.ts';
import { parseContentRange } from './range.ts';
import { DEFAULT_TYPE, metaFrom, S3Client, type S3Target, unquote } from './s3-client.ts';
import { completeMultipartXml, deleteObjectsXml, parseParts, xmlAll, xmlError, xmlOne } from './s3-xml.ts';
import { type Query, signUrl, type UrlGrant, verifyUrl } from './signed-url.ts';
import { uriEncode } from './sigv4.ts';
import { sliceStream, spoolToFile } from './stream.ts';
import type {
  ByteRange,
  ObjectMeta,
  ObjectStore,
  PresignGetOptions,
  PresignPutOptions,
  UploadedPart,
} from './types.ts';

export interface S3ObjectStoreOptions extends S3Target {
  maxObjectBytes: number;
  /** Where put() spools stream bodies: S3 needs a length before the first byte. Default: os.tmpdir(). */
  tmpDir?: string;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Doppel-signed download URLs, redeemed by redirect (see the file comment). */
  downloads?: { publicUrl: string; signingKey: Buffer };
}

/** How long the service URL a redeemed download redirects to stays valid. */
export const REDIRECT_URL_TTL_SEC = 60;

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly maxObjectBytes: number;
  private readonly s3: S3Client;
  private readonly tmpDir: string;
  private readonly clock: Clock;
  private readonly downloads?: { publicUrl: string; signingKey: Buffer };

  constructor(opts: S3ObjectStoreOptions) {
    this.clock = opts.clock ?? systemClock;
    if (opts.downloads)
      this.downloads = { ...opts.downloads, publicUrl: opts.downloads.publicUrl.replace(/\/+$/, '') };
    this.s3 = new S3Client(opts, this.clock, opts.fetch ?? globalThis.fetch);
    this.maxObjectBytes = opts.maxObjectBytes;
    this.tmpDir = opts.tmpDir ?? os.tmpdir();
  }

  // ── objects ───────────────────────────────────────────────────────────────

  async put(
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    opts: { contentType?: string; md5?: string } = {},
  ): Promise<ObjectMeta> {
    assertValidKey(key);
    if (opts.md5 !== undefined) assertMd5(opts.md5);
    const contentType = opts.contentType || DEFAULT_TYPE;
    if (Buffer.isBuffer(body)) {
      if (body.length > this.maxObjectBytes) throw ObjectErrors.tooLarge(this.maxObjectBytes);
      const md5 = createHash('md5').update(body).digest('base64');
      if (opts.md5 !== undefined && opts.md5 !== md5) throw ObjectErrors.badDigest(opts.md5, md5);
      return this.upload(key, body, body.length, md5, contentType);
    }
    await fs.promises.mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, `doppel-s3-${randomBytes(12).toString('hex')}`);
    try {
      const got = await spoolToFile(body, tmp, { maxBytes: this.maxObjectBytes, md5: opts.md5 });
      return await this.upload(key, fs.createReadStream(tmp), got.size, got.md5, contentType);
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }

  private async upload(
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    size: number,
    md5: string,
    contentType: string,
  ): Promise<ObjectMeta> {
    // Content-MD5 makes the service verify what it stored; x-amz-meta-md5 keeps the MD5 known
    // even where the ETag is not one (SSE-KMS, some OBS configurations).
    const headers = { 'content-md5': md5, 'content-type': contentType, 'x-amz-meta-md5': md5 };
    const res = await this.s3.send('PutObject', this.s3.req('PUT', key, { headers }), { body, length: size });
    await res.body?.cancel();
    // S3 answers a PUT without Last-Modified; our clock is close enough and saves a HEAD.
    return {
      key,
      size,
      contentType,
      md5,
      etag: unquote(res.headers.get('etag')),
      lastModified: this.clock.now(),
    };
  }

  async head(key: string): Promise<ObjectMeta | null> {
    assertValidKey(key);
    const res = await this.s3.send('HeadObject', this.s3.req('HEAD', key), { accept: [404] });
    await res.body?.cancel();
    return res.status === 404 ? null : metaFrom(key, res.headers);
  }

  async get(
    key: string,
    range?: ByteRange,
  ): Promise<{ meta: ObjectMeta; body: NodeJS.ReadableStream } | null> {
    assertValidKey(key);
    const headers: Record<string, string> = {};
    if (range) {
      if (!(range.start >= 0 && (range.end === undefined || range.end >= range.start))) {
        throw ObjectErrors.invalidOption('range must have 0 <= start <= end');
      }
      headers.range = `bytes=${range.start}-${range.end ?? ''}`;
    }
    const res = await this.s3.send('GetObject', this.s3.req('GET', key, { headers }), { accept: [404, 416] });
    if (res.status === 404 || res.status === 416) {
      await res.body?.cancel();
      if (res.status === 404) return null;
      throw ObjectErrors.rangeNotSatisfiable(Number(res.headers.get('content-range')?.split('/')[1] ?? 0));
    }
    const meta = metaFrom(key, res.headers);
    const body = res.body ? Readable.fromWeb(res.body as WebReadableStream) : Readable.from([]);
    if (!range) return { meta, body };
    // What was sent is checked, not assumed: a server may ignore Range and answer 200 with the
    // whole object (RFC 9110 §14.2), and some S3 look-alikes send a 206 of another window than
    // the one asked for. The asked-for bytes are cut out of whatever window arrived.
    const sent =
      res.status === 206
        ? parseContentRange(res.headers.get('content-range'))
        : { start: 0, size: meta.size };
    const refuse = (e: Error) => {
      body.destroy();
      throw e;
    };
    if (!sent) {
      const got = res.headers.get('content-range') ?? '(none)';
      return refuse(ObjectErrors.backend('GetObject', 206, 'BadContentRange', `Content-Range ${got}`));
    }
    if (range.start >= sent.size) return refuse(ObjectErrors.rangeNotSatisfiable(sent.size));
    if (sent.start > range.start) {
      const asked = `bytes ${range.start}-${range.end ?? ''}`;
      return refuse(
        ObjectErrors.backend('GetObject', 206, 'RangeMismatch', `asked ${asked}, got ${sent.start}-`),
      );
    }
    const last = Math.min(range.end ?? Number.POSITIVE_INFINITY, sent.size - 1);
    return { meta, body: sliceStream(body, range.start - sent.start, last - range.start + 1) };
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    const res = await this.s3.send('DeleteObject', this.s3.req('DELETE', key), { accept: [404] });
    await res.body?.cancel();
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    let count = 0;
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix, 'max-keys': '1000' };
      if (token) query['continuation-token'] = token;
      const xml = await (
        await this.s3.send('ListObjectsV2', this.s3.req('GET', undefined, { query }))
      ).text();
      const keys = xmlAll(xml, 'Contents')
        .map((c) => xmlOne(c, 'Key'))
        .filter((k): k is string => !!k);
      if (keys.length > 0) await this.deleteBatch(keys);
      count += keys.length;
      token = xmlOne(xml, 'IsTruncated') === 'true' ? xmlOne(xml, 'NextContinuationToken') : undefined;
    } while (token);
    return count;
  }

  private async deleteBatch(keys: string[]): Promise<void> {
    const body = Buffer.from(deleteObjectsXml(keys));
    const headers = {
      'content-md5': createHash('md5').update(body).digest('base64'), // DeleteObjects requires it
      'content-type': 'application/xml',
    };
    const res = await this.s3.send(
      'DeleteObjects',
      this.s3.req('POST', undefined, { query: { delete: '' }, headers }),
      {
        body,
      },
    );
    const failed = xmlAll(await res.text(), 'Error')[0];
    if (failed !== undefined) {
      throw ObjectErrors.backend(
        'DeleteObjects',
        res.status,
        xmlOne(failed, 'Code') ?? '',
        `${xmlOne(failed, 'Key') ?? ''}: ${xmlOne(failed, 'Message') ?? ''}`,
      );
    }
  }

  async copy(fromKey: string, toKey: string): Promise<ObjectMeta> {
    assertValidKey(fromKey);
    assertValidKey(toKey);
    const headers = {
      'x-amz-copy-source': `/${uriEncode(this.s3.bucket)}/${uriEncode(fromKey, true)}`,
      'x-amz-metadata-directive': 'COPY',
    };
    const res = await this.s3.send('CopyObject', this.s3.req('PUT', toKey, { headers }), { accept: [404] });
    if (res.status === 404) {
      const err = await this.s3.failure('CopyObject', res);
      throw err.message.includes('NoSuchKey') ? ObjectErrors.objectNotFound(fromKey) : err;
    }
    // CopyObject can fail after its 200 has been sent: the error is then in the body.
    const err = xmlError(await res.text());
    if (err) throw ObjectErrors.backend('CopyObject', res.status, err.code, err.message);
    const meta = await this.head(toKey);
    if (!meta) throw ObjectErrors.objectNotFound(toKey);
    return meta;
  }

  // ── presigned URLs ────────────────────────────────────────────────────────

  async presignPut(key: string, opts: PresignPutOptions): Promise<string> {
    assertValidKey(key);
    assertExpiry(opts.expiresInSec);
    // Signed headers are the S3 way of baking constraints into a URL.
    const headers: Record<string, string> = {};
    if (opts.contentType !== undefined) headers['content-type'] = opts.contentType;
    if (opts.md5 !== undefined) {
      assertMd5(opts.md5);
      headers['content-md5'] = opts.md5;
    }
    if (opts.contentLength !== undefined) {
      if (opts.contentLength > this.maxObjectBytes) throw ObjectErrors.tooLarge(this.maxObjectBytes);
      headers['content-length'] = String(opts.contentLength);
    }
    return this.s3.presign(this.s3.req('PUT', key, { headers }), opts.expiresInSec);
  }

  async presignGet(key: string, opts: PresignGetOptions): Promise<string> {
    assertValidKey(key);
    assertExpiry(opts.expiresInSec);
    if (this.downloads) {
      const expires = Math.floor(this.clock.now().getTime() / 1000) + opts.expiresInSec;
      const grant: UrlGrant = { method: 'GET', key, expires };
      if (opts.downloadName !== undefined) grant.downloadName = opts.downloadName;
      if (opts.audience !== undefined) grant.audience = opts.audience;
      return signUrl(this.downloads.publicUrl, this.downloads.signingKey, grant);
    }
    return this.servicePresignGet(key, opts);
  }

  /** Whether download URLs are Doppel's (redeemed through /objects) rather than the service's. */
  get redirectsDownloads(): boolean {
    return this.downloads !== undefined;
  }

  /** For http.ts: the grant a Doppel download URL carries, or a 403 AppError. */
  verifyUrl(key: string, query: Query): UrlGrant {
    if (!this.downloads) throw ObjectErrors.signatureMismatch('this server does not issue download URLs');
    return verifyUrl(this.downloads.signingKey, 'GET', key, query, this.clock.now());
  }

  /** A URL presigned for the service itself. */
  async servicePresignGet(key: string, opts: PresignGetOptions): Promise<string> {
    assertValidKey(key);
    assertExpiry(opts.expiresInSec);
    const query: Record<string, string> = {};
    if (opts.downloadName !== undefined)
      query['response-content-disposition'] = contentDisposition(opts.downloadName);
    return this.s3.presign(this.s3.req('GET', key, { query }), opts.expiresInSec);
  }

  // ── multipart ─────────────────────────────────────────────────────────────

  async createMultipart(
    key: string,
    opts: { partCount: number; expiresInSec: number; contentType?: string },
  ): Promise<{ uploadId: string; partUrls: string[] }> {
    assertValidKey(key);
    assertPartCount(opts.partCount);
    assertExpiry(opts.expiresInSec);
    const headers: Record<string, string> = opts.contentType ? { 'content-type': opts.contentType } : {};
    const res = await this.s3.send(
      'CreateMultipartUpload',
      this.s3.req('POST', key, { query: { uploads: '' }, headers }),
    );
    const uploadId = xmlOne(await res.text(), 'UploadId');
    if (!uploadId) throw ObjectErrors.backend('CreateMultipartUpload', res.status, 'NoUploadId', '');
    const now = this.clock.now();
    const partUrls = Array.from({ length: opts.partCount }, (_, i) =>
      this.s3.presign(
        this.s3.req('PUT', key, { query: { partNumber: String(i + 1), uploadId } }),
        opts.expiresInSec,
        now,
      ),
    );
    return { uploadId, partUrls };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    assertValidKey(key);
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    do {
      const query: Record<string, string> = { uploadId, 'max-parts': '1000' };
      if (marker) query['part-number-marker'] = marker;
      const res = await this.s3.send('ListParts', this.s3.req('GET', key, { query }), { accept: [404] });
      if (res.status === 404) {
        await res.body?.cancel();
        throw ObjectErrors.uploadNotFound(uploadId);
      }
      const xml = await res.text();
      const sizes = xmlAll(xml, 'Part').map((p) => Number(xmlOne(p, 'Size') ?? 0));
      parts.push(
        ...parseParts(xml).map((p, i) => ({
          part: p.partNumber,
          etag: p.etag.replace(/^"|"$/g, ''),
          size: sizes[i] ?? 0,
        })),
      );
      marker = xmlOne(xml, 'IsTruncated') === 'true' ? xmlOne(xml, 'NextPartNumberMarker') : undefined;
    } while (marker);
    return parts.sort((a, b) => a.part - b.part);
  }

  /**
   * Completes with the parts the service holds. S3 does not remember the part count asked for
   * at creation, so a missing *trailing* part cannot be detected here: callers that know the
   * expected size or count (the files service does) check the result.
   */
  async completeMultipart(key: string, uploadId: string): Promise<ObjectMeta> {
    const listed = await this.listParts(key, uploadId);
    // S3 wants the ETags back exactly as it gave them (quoted).
    const parts = listed.map((p) => ({ partNumber: p.part, etag: `"${p.etag}"`, size: p.size }));
    parts.sort((a, b) => a.partNumber - b.partNumber);
    const present = new Set(parts.map((p) => p.partNumber));
    const last = parts.length > 0 ? parts[parts.length - 1]!.partNumber : 1;
    const missing = Array.from({ length: last }, (_, i) => i + 1).filter((n) => !present.has(n));
    if (missing.length > 0) throw ObjectErrors.partsMissing(missing);
    if (parts.reduce((sum, p) => sum + p.size, 0) > this.maxObjectBytes) {
      throw ObjectErrors.tooLarge(this.maxObjectBytes);
    }
    const body = Buffer.from(completeMultipartXml(parts));
    const res = await this.s3.send(
      'CompleteMultipartUpload',
      this.s3.req('POST', key, { query: { uploadId }, headers: { 'content-type': 'application/xml' } }),
      { body, accept: [404] },
    );
    if (res.status === 404) {
      await res.body?.cancel();
      throw ObjectErrors.uploadNotFound(uploadId);
    }
    const err = xmlError(await res.text());
    if (err) throw ObjectErrors.backend('CompleteMultipartUpload', res.status, err.code, err.message);
    const meta = await this.head(key);
    if (!meta) throw ObjectErrors.objectNotFound(key);
    return meta;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertValidKey(key);
    const res = await this.s3.send(
      'AbortMultipartUpload',
      this.s3.req('DELETE', key, { query: { uploadId } }),
      {
        accept: [404],
      },
    );
    await res.body?.cancel();
  }
}
