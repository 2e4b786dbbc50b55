// Pure decisions about asset files: categories, the format and size limits of SEMANTICS §5,
// object keys, content types, and which media an asset type expects. No I/O here.
import { createHash } from 'node:crypto';
import { AssetErrors } from './assets.errors.ts';

export const FILE_CATEGORIES = ['MAIN', 'COVER', 'PAGE', 'SAMPLE', 'OTHER', 'TEMPORARY', 'PACKAGE'] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

/** File states that hold the asset's MAIN/COVER slot (the partial unique indexes use the same list). */
export const LIVE_FILE_STATES = ['CREATING', 'CREATED', 'UPLOADED', 'REVIEW', 'BLOCK'] as const;

/** Asset states in which the asset does not exist for file operations (MSS.10001001). */
export const GONE_ASSET_STATES = ['DELETING', 'DELETED'] as const;
/** Asset states that accept no new files: frozen or being taken offline. */
export const FROZEN_ASSET_STATES = ['BLOCK', 'WAITING_DELETE'] as const;
/** States the media-inspection job may move an asset out of (to ACTIVED or FAILED). */
export const INSPECTABLE_ASSET_STATES = ['CREATING', 'FAILED'] as const;
/** States that fall back to CREATING when their MAIN file is deleted. */
export const MAIN_BACKED_ASSET_STATES = ['ACTIVED', 'UNACTIVED', 'FAILED'] as const;

/** Presigned upload and download URLs live 24 h (SEMANTICS §3.1, §4.1). */
export const URL_TTL_SEC = 24 * 3600;
export const MAX_FILE_BYTES = 5 * 1024 ** 3;
export const MAX_LARGE_FILE_BYTES = 500 * 1024 ** 3;
/** Base64 of 16 bytes (RFC 1864), as `file_md5` and `Content-MD5` carry it. */
export const MD5_BASE64 = /^[A-Za-z0-9+/]{22}==$/;

const MB = 1024 ** 2;

interface FormatLimit {
  formats: readonly string[];
  maxBytes: number;
  /** How the limit reads in a message. */
  label: string;
}

const IMAGE_LIMIT: FormatLimit = {
  formats: ['jpeg', 'jpg', 'png', 'bmp', 'gif'],
  maxBytes: 50 * MB,
  label: '50 MB',
};

/** MAIN-file limits per asset type (SEMANTICS §5, CreateDigitalAsset). Other types: 5 GB, any format. */
export const MAIN_LIMITS: Readonly<Record<string, FormatLimit>> = {
  VIDEO: {
    formats: ['mp4', 'm4v', 'mkv', 'mov', 'flv', '3gp', 'wmv', 'avi', 'webm'],
    maxBytes: MAX_FILE_BYTES,
    label: '5 GB',
  },
  IMAGE: IMAGE_LIMIT,
  MUSIC: { formats: ['wav', 'mp3', 'm4a'], maxBytes: 100 * MB, label: '100 MB' },
  AUDIO: { formats: ['wav', 'mp3', 'm4a'], maxBytes: 100 * MB, label: '100 MB' },
  PPT: { formats: ['ppt', 'pptx', 'pdf'], maxBytes: 100 * MB, label: '100 MB' },
};

/** A COVER is a picture whatever the asset is (ERRATA 17). */
export const COVER_LIMIT = IMAGE_LIMIT;

/** `Photo.PNG` → `png`; no extension → undefined. */
export function extensionOf(fileName: string): string | undefined {
  const m = /\.([A-Za-z0-9]{1,16})$/.exec(fileName.trim());
  return m ? m[1].toLowerCase() : undefined;
}

/** ERRATA 3: `file_type` defaults to the file name's extension; neither → MSS.10001003. */
export function resolveFileType(fileName: string, fileType: string | undefined): string {
  const given = fileType?.trim().replace(/^\./, '');
  const t = given || extensionOf(fileName);
  if (!t) throw AssetErrors.fileTypeEmpty();
  return t;
}

export function parseCategory(category: string): FileCategory {
  const c = category.trim().toUpperCase();
  if (!(FILE_CATEGORIES as readonly string[]).includes(c)) {
    throw AssetErrors.invalid(`asset_file_category must be one of ${FILE_CATEGORIES.join(', ')}`);
  }
  return c as FileCategory;
}

export function assertMd5(md5: string): void {
  if (!MD5_BASE64.test(md5)) {
    throw AssetErrors.invalid('file_md5 must be the base64 of the 16-byte MD5 digest (24 characters)');
  }
}

/** The limit that applies to a file of this category in an asset of this type, if any. */
export function limitFor(assetType: string, category: FileCategory): FormatLimit | undefined {
  if (category === 'MAIN') return MAIN_LIMITS[assetType];
  if (category === 'COVER') return COVER_LIMIT;
  return undefined;
}

/** Format check: always known up front (from file_type). */
export function checkFormat(assetType: string, category: FileCategory, fileType: string): void {
  const limit = limitFor(assetType, category);
  if (!limit) return;
  const t = fileType.toLowerCase();
  if (!limit.formats.includes(t)) {
    const whose = category === 'MAIN' ? `the MAIN file of a ${assetType} asset` : 'a COVER file';
    throw AssetErrors.invalid(`${whose} must be ${limit.formats.join('/')}; file_type is ${fileType}`);
  }
}

/** How a file arrives: one PUT (CreateFile) or parts (CreateLargeFile). */
export type UploadKind = 'single' | 'multipart';

/**
 * Size check: up front when the size is declared, else at completion. A multipart upload is
 * what big media is for (ERRATA 101): it lifts the 5 GB cap of a VIDEO's MAIN file (and of
 * the types without a format limit) to 500 GB; pictures, audio, slides and covers keep their
 * own limits however they arrive.
 */
export function checkSize(
  assetType: string,
  category: FileCategory,
  size: number,
  via: UploadKind = 'single',
): void {
  if (via === 'multipart' && size > MAX_LARGE_FILE_BYTES) {
    throw AssetErrors.fileTooLarge(
      `a large file may be at most ${MAX_LARGE_FILE_BYTES} bytes (500 GB); the file is ${size} bytes`,
    );
  }
  const limit = limitFor(assetType, category);
  if (!limit || size <= limit.maxBytes) return;
  if (via === 'multipart' && limit.maxBytes >= MAX_FILE_BYTES) return;
  const whose = category === 'MAIN' ? `the MAIN file of a ${assetType} asset` : 'a COVER file';
  throw AssetErrors.fileTooLarge(
    `${whose} may be at most ${limit.maxBytes} bytes (${limit.label}${
      limit.maxBytes >= MAX_FILE_BYTES ? '; CreateLargeFile takes up to 500 GB' : ''
    }); the file is ${size} bytes`,
  );
}

/**
 * `assets/{project}/{asset}/{file}/{name}`. Everything of an asset shares the prefix
 * `assets/{project}/{asset}/` (force delete removes it). The name is made key-safe; the
 * real name stays on the row and names the download.
 */
export function objectKeyFor(projectId: string, assetId: string, fileId: string, fileName: string): string {
  return `assets/${projectId}/${assetId}/${fileId}/${keySafeName(fileName)}`;
}

export function keySafeName(fileName: string): string {
  const clean = (x: string) =>
    x
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/\.{2,}/g, '.')
      .replace(/^\.+/, '');
  let s = clean(fileName);
  if (s.length > 200) {
    const ext = extensionOf(s);
    s = clean(ext ? `${s.slice(0, 199 - ext.length)}.${ext}` : s.slice(0, 200));
  }
  return s === '' ? 'file' : s;
}

/** SEMANTICS §4.1: the Content-Type MetaStudio documents for an upload of this type. */
export function contentTypeFor(fileType: string): string {
  switch (fileType.toLowerCase()) {
    case 'gif':
      return 'image/gif';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'png':
      return 'image/png';
    case 'mp4':
      return 'video/mp4';
    case 'mp3':
      return 'audio/mp3';
    case 'wav':
      return 'audio/wav';
    default:
      return 'application/octet-stream';
  }
}

export type MediaKindName = 'video' | 'audio' | 'image';

/** What the MAIN file of an asset type must contain; undefined: not media, not probed. */
export function expectedKind(assetType: string): MediaKindName | undefined {
  switch (assetType) {
    case 'VIDEO':
      return 'video';
    case 'IMAGE':
      return 'image';
    case 'AUDIO':
    case 'MUSIC':
      return 'audio';
    default:
      return undefined;
  }
}

/** The asset_extra_meta part the probe fills for an asset type. */
export function metaKeyFor(assetType: string): 'video_meta' | 'image_meta' | 'audio_meta' | undefined {
  const k = expectedKind(assetType);
  return k && (`${k}_meta` as const);
}

/** Whether a cover can be made from an asset type's MAIN file. */
export const coverable = (assetType: string): boolean => assetType === 'VIDEO' || assetType === 'IMAGE';

/**
 * The generated cover's file id, derived from the MAIN file's id, so a re-run of the
 * inspection job (after a crash) finds or overwrites the same cover rather than adding one.
 */
export function coverFileIdFor(mainFileId: string): string {
  const h = createHash('sha256').update(`cover:${mainFileId}`).digest('hex');
  // Shaped like a version-5-style UUID, as MetaStudio's file ids are dashed UUIDs.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Merges probed meta over what the asset already has; the probe wins field by field. */
export function mergeExtraMeta(
  existing: Record<string, unknown>,
  probed: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...existing };
  for (const [k, v] of Object.entries(probed)) {
    const prior = out[k];
    out[k] = isPlainObject(prior) && isPlainObject(v) ? { ...prior, ...(v as Record<string, unknown>) } : v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The API's `reason` fields hold at most 256 characters. */
export function clampReason(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 256 ? `${one.slice(0, 255)}…` : one;
}
