// Objects as files under one directory, for embedded mode; Doppel serves the presigned URLs
// itself (http.ts). This file holds the ObjectStore semantics, presigning and multipart; the
// on-disk layout and the atomic commit are in local-files.ts.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { type Clock, systemClock } from '../util/time.ts';
import { ObjectErrors } from './errors.ts';
import { assertExpiry, assertMd5, assertPartCount, assertValidKey, assertValidPrefix } from './key.ts';
import { isCode, ObjectFiles, toPublic } from './local-files.ts';
import { type Query, signUrl, type UrlGrant, verifyUrl } from './signed-url.ts';
import { spoolToFile } from './stream.ts';
import type {
  ByteRange,
  ObjectMeta,
  ObjectStore,
  PresignGetOptions,
  PresignPutOptions,
  UploadedPart,
} from './types.ts';

export interface LocalObjectStoreOptions {
  /** Directory holding the objects, usually `<dataDir>/objects`; created on demand. */
  root: string;
  /** Base URL clients reach this server on; presigned URLs are `<publicUrl>/objects/<key>?…`. */
  publicUrl: string;
  /** HMAC key for presigned URLs, derived by the composition root; never generated here. */
  signingKey: Buffer;
  /** Largest object (and multipart total) accepted, in bytes. */
  maxObjectBytes: number;
  clock?: Clock;
}

interface Manifest {
  key: string;
  partCount: number;
  contentType?: string;
  createdAt: string;
}

const DEFAULT_TYPE = 'application/octet-stream';
const UPLOAD_ID = /^[0-9a-f]{32}$/;
// Attempts for reads that can lose a race with a concurrent overwrite.
const ATTEMPTS = 3;

export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly root: string;
  readonly maxObjectBytes: number;
  private readonly files: ObjectFiles;
  private readonly publicUrl: string;
  private readonly signingKey: Buffer;
  private readonly clock: Clock;

  constructor(opts: LocalObjectStoreOptions) {
    this.root = path.resolve(opts.root);
    this.publicUrl = opts.publicUrl.replace(/\/+$/, '');
    this.signingKey = opts.signingKey;
    this.maxObjectBytes = opts.maxObjectBytes;
    this.clock = opts.clock ?? systemClock;
    this.files = new ObjectFiles(this.root, this.clock);
  }

  // ── objects ───────────────────────────────────────────────────────────────

  put(
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    opts: { contentType?: string; md5?: string } = {},
  ): Promise<ObjectMeta> {
    return this.receive(key, body, opts);
  }

  /** put() plus an exact expected size, for the HTTP route (a signed length on a chunked body). */
  async receive(
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    opts: { contentType?: string; md5?: string; expectedSize?: number },
  ): Promise<ObjectMeta> {
    assertValidKey(key);
    if (opts.md5 !== undefined) assertMd5(opts.md5);
    const tmp = await this.files.tmpPath();
    const got = await spoolToFile(body, tmp, {
      maxBytes: this.maxObjectBytes,
      expectedSize: opts.expectedSize,
      md5: opts.md5,
    });
    return this.files.commit(key, tmp, { ...got, contentType: opts.contentType || DEFAULT_TYPE });
  }

  async head(key: string): Promise<ObjectMeta | null> {
    assertValidKey(key);
    const m = await this.files.readMeta(key);
    return m && toPublic(m);
  }

  async get(
    key: string,
    range?: ByteRange,
  ): Promise<{ meta: ObjectMeta; body: NodeJS.ReadableStream } | null> {
    assertValidKey(key);
    if (range && !(range.start >= 0 && (range.end === undefined || range.end >= range.start))) {
      throw ObjectErrors.invalidOption('range must have 0 <= start <= end');
    }
    for (let i = 0; i < ATTEMPTS; i++) {
      const m = await this.files.readMeta(key);
      if (!m) return null;
      let fh: fs.promises.FileHandle;
      try {
        fh = await fs.promises.open(this.files.dataPath(key, m.version), 'r');
      } catch (e) {
        if (isCode(e, 'ENOENT')) continue; // overwritten or deleted since the sidecar was read
        throw e;
      }
      if (!range) return { meta: toPublic(m), body: fh.createReadStream() };
      if (range.start >= m.size) {
        await fh.close();
        throw ObjectErrors.rangeNotSatisfiable(m.size);
      }
      const end = Math.min(range.end ?? m.size - 1, m.size - 1);
      return { meta: toPublic(m), body: fh.createReadStream({ start: range.start, end }) };
    }
    return null;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.files.remove(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertValidPrefix(prefix);
    const { keys, dirs } = await this.files.list(prefix);
    for (const key of keys) await this.files.remove(key);
    for (const dir of dirs.reverse()) await fs.promises.rmdir(dir).catch(() => {}); // emptied ones
    return keys.length;
  }

  async copy(fromKey: string, toKey: string): Promise<ObjectMeta> {
    assertValidKey(fromKey);
    assertValidKey(toKey);
    for (let i = 0; i < ATTEMPTS; i++) {
      const m = await this.files.readMeta(fromKey);
      if (!m) throw ObjectErrors.objectNotFound(fromKey);
      const tmp = await this.files.tmpPath();
      try {
        await fs.promises.copyFile(
          this.files.dataPath(fromKey, m.version),
          tmp,
          fs.constants.COPYFILE_FICLONE,
        );
      } catch (e) {
        if (isCode(e, 'ENOENT')) continue;
        throw e;
      }
      return this.files.commit(toKey, tmp, {
        size: m.size,
        md5: m.md5,
        md5Hex: m.etag,
        contentType: m.contentType,
      });
    }
    throw ObjectErrors.objectNotFound(fromKey);
  }

  // ── presigned URLs ────────────────────────────────────────────────────────

  async presignPut(key: string, opts: PresignPutOptions): Promise<string> {
    assertValidKey(key);
    if (opts.md5 !== undefined) assertMd5(opts.md5);
    if (
      opts.contentLength !== undefined &&
      !(Number.isSafeInteger(opts.contentLength) && opts.contentLength >= 0)
    ) {
      throw ObjectErrors.invalidOption('contentLength must be a non-negative integer');
    }
    if (opts.contentLength !== undefined && opts.contentLength > this.maxObjectBytes) {
      throw ObjectErrors.tooLarge(this.maxObjectBytes);
    }
    return this.sign('PUT', key, opts.expiresInSec, {
      contentLength: opts.contentLength,
      md5: opts.md5,
      contentType: opts.contentType,
      once: opts.once ? '1' : undefined,
    });
  }

  /**
   * For a single-use URL (http.ts): claims the key, or one part of an upload, for one upload.
   * A marker file created exclusively is the claim, so two racing uploads cannot both pass.
   * The caller releases the claim when its upload fails; a successful one keeps it for good.
   */
  async claimOnce(key: string, part?: { uploadId: string; part: number }): Promise<() => Promise<void>> {
    const id = createHash('sha256')
      .update(part ? `${key}\0${part.uploadId}\0${part.part}` : key)
      .digest('hex');
    const marker = path.join(this.root, '~once', id);
    await fs.promises.mkdir(path.dirname(marker), { recursive: true });
    try {
      await (await fs.promises.open(marker, 'wx')).close();
    } catch (e) {
      if (isCode(e, 'EEXIST')) throw ObjectErrors.urlUsed();
      throw e;
    }
    return () => fs.promises.rm(marker, { force: true });
  }

  async presignGet(key: string, opts: PresignGetOptions): Promise<string> {
    assertValidKey(key);
    return this.sign('GET', key, opts.expiresInSec, {
      downloadName: opts.downloadName,
      audience: opts.audience,
    });
  }

  /** For http.ts: the grant a request's URL carries, or a 403 AppError. */
  verifyUrl(method: 'GET' | 'PUT', key: string, query: Query): UrlGrant {
    return verifyUrl(this.signingKey, method, key, query, this.clock.now());
  }

  private sign(
    method: 'GET' | 'PUT',
    key: string,
    expiresInSec: number,
    constraints: Omit<UrlGrant, 'method' | 'key' | 'expires'>,
  ): string {
    assertExpiry(expiresInSec);
    const expires = Math.floor(this.clock.now().getTime() / 1000) + expiresInSec;
    const defined = Object.fromEntries(Object.entries(constraints).filter(([, v]) => v !== undefined));
    return signUrl(this.publicUrl, this.signingKey, { method, key, expires, ...defined });
  }

  // ── multipart ─────────────────────────────────────────────────────────────

  async createMultipart(
    key: string,
    opts: { partCount: number; expiresInSec: number; contentType?: string; once?: boolean },
  ): Promise<{ uploadId: string; partUrls: string[] }> {
    assertValidKey(key);
    assertPartCount(opts.partCount);
    assertExpiry(opts.expiresInSec);
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.files.uploadDir(uploadId);
    await fs.promises.mkdir(dir, { recursive: true });
    const manifest: Manifest = {
      key,
      partCount: opts.partCount,
      contentType: opts.contentType,
      createdAt: this.clock.now().toISOString(),
    };
    await fs.promises.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const partUrls: string[] = [];
    for (let part = 1; part <= opts.partCount; part++) {
      partUrls.push(
        this.sign('PUT', key, opts.expiresInSec, { part, uploadId, once: opts.once ? '1' : undefined }),
      );
    }
    return { uploadId, partUrls };
  }

  /** Stores one part (re-uploading a part replaces it). Returns the part's hex MD5 as its etag. */
  async receivePart(
    key: string,
    uploadId: string,
    part: number,
    body: Buffer | NodeJS.ReadableStream,
    opts: { md5?: string; expectedSize?: number } = {},
  ): Promise<{ size: number; etag: string }> {
    const manifest = await this.readManifest(key, uploadId);
    if (!(Number.isInteger(part) && part >= 1 && part <= manifest.partCount)) {
      throw ObjectErrors.invalidOption(`part must be in 1..${manifest.partCount}`);
    }
    if (opts.md5 !== undefined) assertMd5(opts.md5);
    const tmp = await this.files.tmpPath();
    const got = await spoolToFile(body, tmp, { maxBytes: this.maxObjectBytes, ...opts });
    try {
      const partPath = path.join(this.files.uploadDir(uploadId), `part-${part}`);
      // The etag beside the part first: a listed part always has its etag.
      await fs.promises.writeFile(`${partPath}.etag`, got.md5Hex);
      await fs.promises.rename(tmp, partPath);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      if (isCode(e, 'ENOENT')) throw ObjectErrors.uploadNotFound(uploadId); // completed or aborted meanwhile
      throw e;
    }
    return { size: got.size, etag: got.md5Hex };
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    const manifest = await this.readManifest(key, uploadId);
    const dir = this.files.uploadDir(uploadId);
    const out: UploadedPart[] = [];
    for (let part = 1; part <= manifest.partCount; part++) {
      const p = path.join(dir, `part-${part}`);
      const st = await fs.promises.stat(p).catch(() => undefined);
      if (!st) continue;
      const etag = await fs.promises.readFile(`${p}.etag`, 'utf8').catch(() => '');
      out.push({ part, etag, size: st.size });
    }
    return out;
  }

  async completeMultipart(key: string, uploadId: string): Promise<ObjectMeta> {
    const manifest = await this.readManifest(key, uploadId);
    const dir = this.files.uploadDir(uploadId);
    const parts = Array.from({ length: manifest.partCount }, (_, i) => path.join(dir, `part-${i + 1}`));
    const missing: number[] = [];
    let total = 0;
    for (const [i, p] of parts.entries()) {
      const st = await fs.promises.stat(p).catch(() => undefined);
      if (st) total += st.size;
      else missing.push(i + 1);
    }
    if (missing.length > 0) throw ObjectErrors.partsMissing(missing);
    if (total > this.maxObjectBytes) throw ObjectErrors.tooLarge(this.maxObjectBytes);
    // Concatenate by streaming the parts in order through the same spool (hash + limits).
    const concatenated = Readable.from(
      (async function* () {
        for (const p of parts) yield* fs.createReadStream(p);
      })(),
    );
    const tmp = await this.files.tmpPath();
    const got = await spoolToFile(concatenated, tmp, { maxBytes: this.maxObjectBytes });
    const meta = await this.files.commit(key, tmp, {
      ...got,
      contentType: manifest.contentType || DEFAULT_TYPE,
    });
    await fs.promises.rm(dir, { recursive: true, force: true });
    return meta;
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertValidKey(key);
    if (!UPLOAD_ID.test(uploadId)) return;
    try {
      await this.readManifest(key, uploadId);
    } catch {
      return; // already gone, or not this key's upload: nothing of ours to abort
    }
    await fs.promises.rm(this.files.uploadDir(uploadId), { recursive: true, force: true });
  }

  private async readManifest(key: string, uploadId: string): Promise<Manifest> {
    assertValidKey(key);
    if (!UPLOAD_ID.test(uploadId)) throw ObjectErrors.uploadNotFound(uploadId);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(
        await fs.promises.readFile(path.join(this.files.uploadDir(uploadId), 'manifest.json'), 'utf8'),
      );
    } catch (e) {
      if (isCode(e, 'ENOENT')) throw ObjectErrors.uploadNotFound(uploadId);
      throw e;
    }
    if (manifest.key !== key) throw ObjectErrors.uploadNotFound(uploadId);
    return manifest;
  }
}
