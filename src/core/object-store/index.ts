// Picks the backend once, in the composition root: S3-compatible storage when configured,
// else files under the data directory with presigned URLs served by Doppel (http.ts).
import path from 'node:path';
import type { Clock } from '../util/time.ts';
import { LocalObjectStore } from './local.ts';
import { S3ObjectStore } from './s3.ts';
import type { ObjectStore } from './types.ts';

export interface CreateObjectStoreOptions {
  dataDir: string;
  /** Base URL of this server: presigned URLs of the local backend, download URLs of both. */
  publicUrl: string;
  /** HMAC key for the local backend's presigned URLs. */
  signingKey: Buffer;
  maxObjectBytes: number;
  s3?: {
    endpoint: string;
    region: string;
    bucket: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
  };
  clock?: Clock;
}

export function createObjectStore(opts: CreateObjectStoreOptions): ObjectStore {
  if (opts.s3) {
    return new S3ObjectStore({
      ...opts.s3,
      maxObjectBytes: opts.maxObjectBytes,
      // put() spools stream bodies here; the data dir is sized for media, /tmp may not be.
      tmpDir: path.join(opts.dataDir, 'tmp'),
      clock: opts.clock,
      downloads: { publicUrl: opts.publicUrl, signingKey: opts.signingKey },
    });
  }
  return new LocalObjectStore({
    root: path.join(opts.dataDir, 'objects'),
    publicUrl: opts.publicUrl,
    signingKey: opts.signingKey,
    maxObjectBytes: opts.maxObjectBytes,
    clock: opts.clock,
  });
}

export { ObjectErrors } from './errors.ts';
export { downloadRedirectRoutes, objectRoutes } from './http.ts';
export { assertValidKey, assertValidPrefix } from './key.ts';
export { LocalObjectStore, type LocalObjectStoreOptions } from './local.ts';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3.ts';
export type {
  ByteRange,
  DownloadGate,
  ObjectMeta,
  ObjectStore,
  PresignGetOptions,
  PresignPutOptions,
} from './types.ts';
