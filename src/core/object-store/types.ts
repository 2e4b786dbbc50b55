// The one storage interface every backend implements (local files, S3-compatible). Services
// see only this; which backend is behind it is decided once in the composition root.

export interface ObjectMeta {
  key: string;
  /** Size of the whole object in bytes, also when a ranged get returned only part of it. */
  size: number;
  contentType: string;
  /**
   * Base64 MD5 of the content (MetaStudio `file_md5`, RFC 1864). Empty when the backend
   * cannot know it without reading the object back: S3 objects assembled by multipart upload.
   */
  md5: string;
  /** Unquoted. Local: hex MD5. S3: whatever the service says (`<hex>-<n>` after multipart). */
  etag: string;
  lastModified: Date;
}

export interface PresignPutOptions {
  expiresInSec: number;
  /** When set, the client must send exactly this Content-Type. */
  contentType?: string;
  /** When set, the body must be exactly this many bytes. */
  contentLength?: number;
  /** Base64, as MetaStudio `file_md5`; the body must hash to it (and Content-MD5 must match). */
  md5?: string;
  /**
   * Single use: once an upload through the URL succeeded, the URL (and any other for the key)
   * refuses further uploads. Enforced by the local backend; S3 cannot refuse a second PUT to
   * a presigned URL, so callers must also read an upload only once (ERRATA 71).
   */
  once?: boolean;
}

export interface UploadedPart {
  part: number;
  /** Unquoted, as the PUT answered it. */
  etag: string;
  size: number;
}

export interface PresignGetOptions {
  expiresInSec: number;
  /** Served as `Content-Disposition: attachment; filename*=UTF-8''<name>`. */
  downloadName?: string;
  /**
   * The project the URL is handed to. Signed into the URL, and passed to the download gate
   * each time the URL is used, so access revoked after minting (an UNSHARE, a soft delete)
   * also ends the URL.
   */
  audience?: string;
}

/**
 * Asked on every use of a download URL: may `audience` (the project the URL was minted for,
 * undefined for URLs minted without one) still read `key`? The composition root installs the
 * assets module's answer; without a gate every validly signed URL is served.
 */
export type DownloadGate = (key: string, audience: string | undefined) => Promise<boolean>;

/** Inclusive byte range, HTTP style; `end` defaults to the last byte and is clamped to it. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(
    key: string,
    body: Buffer | NodeJS.ReadableStream,
    opts?: { contentType?: string; md5?: string },
  ): Promise<ObjectMeta>;
  head(key: string): Promise<ObjectMeta | null>;
  /** null when absent; a range starting at or past the end throws `rangeNotSatisfiable`. */
  get(key: string, range?: ByteRange): Promise<{ meta: ObjectMeta; body: NodeJS.ReadableStream } | null>;
  /** Idempotent: deleting an absent key succeeds. */
  delete(key: string): Promise<void>;
  /** Deletes every key starting with `prefix` (non-empty); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  copy(fromKey: string, toKey: string): Promise<ObjectMeta>;
  /** Absolute URL the client PUTs the body to. */
  presignPut(key: string, opts: PresignPutOptions): Promise<string>;
  presignGet(key: string, opts: PresignGetOptions): Promise<string>;
  /** MetaStudio "large files": one presigned URL per part (1-based, in order), then completion. */
  createMultipart(
    key: string,
    opts: { partCount: number; expiresInSec: number; contentType?: string; once?: boolean },
  ): Promise<{ uploadId: string; partUrls: string[] }>;
  /** The parts uploaded so far, by part number; throws `uploadNotFound` for an unknown upload. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipart(key: string, uploadId: string): Promise<ObjectMeta>;
  /** Idempotent. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/** Limits shared by both backends (S3's own: 7-day presign, 10 000 parts). */
export const MAX_PRESIGN_SEC = 7 * 24 * 3600;
export const MAX_PARTS = 10_000;
