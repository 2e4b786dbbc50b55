// Which S3-compatible service the S3 tests run against, if any:
// - TEST_S3=s3rver: an s3rver (npm, a devDependency) started here on 127.0.0.1, on a free port,
//   over a temp directory, with one bucket; stopped and removed by close(). This is CI's S3 leg.
// - TEST_S3_ENDPOINT (+ TEST_S3_BUCKET, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY, and
//   optionally TEST_S3_REGION, TEST_S3_FORCE_PATH_STYLE=false): a service someone runs (MinIO,
//   AWS, OBS). Tests write under a random prefix there and delete it afterwards.
// - neither: the S3 tests skip.
//
// What s3rver 3.7.1 checks and what it does not (read from its lib/middleware/authentication.js):
// it requires a known access key (S3RVER), a date within 15 minutes, an unexpired presigned URL
// and an x-amz-content-sha256 header, but it does NOT compute SigV4 signatures: a request
// signed with the wrong secret passes. Nor does it compare a Content-MD5 with the body it
// stores. Signatures are covered by AWS's SigV4 examples in test/unit/object-store-sigv4.test.ts
// and, against a real service, by TEST_S3_ENDPOINT; Doppel checks MD5s itself before a put and
// when an upload is confirmed, so those checks run on s3rver too.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { S3Target } from '../../src/core/object-store/s3-client.ts';

export interface S3Service {
  /** Which one: 's3rver' or 'endpoint'. */
  kind: 's3rver' | 'endpoint';
  target: S3Target;
  close(): Promise<void>;
}

/** The key pair s3rver knows (hard-coded in its models/account.js). */
const S3RVER_KEY = 'S3RVER';

/**
 * Why the S3 tests skip, or undefined when a service is asked for. A TEST_S3 this helper does
 * not know is asked for too: openS3Service then fails, rather than a typo skipping a CI leg.
 */
export function s3SkipReason(env = process.env): string | undefined {
  if (env.TEST_S3 || env.TEST_S3_ENDPOINT) return undefined;
  return 'no S3 service: set TEST_S3=s3rver or TEST_S3_ENDPOINT';
}

/** Starts (s3rver) or describes (TEST_S3_ENDPOINT) the service the environment selects. */
export async function openS3Service(env = process.env): Promise<S3Service> {
  const why = s3SkipReason(env);
  if (why) throw new Error(why);
  if (env.TEST_S3 === 's3rver') return startS3rver();
  if (env.TEST_S3) throw new Error(`TEST_S3=${env.TEST_S3}: the only service started here is s3rver`);
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} is required with TEST_S3_ENDPOINT`);
    return v;
  };
  return {
    kind: 'endpoint',
    target: {
      endpoint: need('TEST_S3_ENDPOINT'),
      region: env.TEST_S3_REGION ?? 'us-east-1',
      bucket: need('TEST_S3_BUCKET'),
      accessKeyId: need('TEST_S3_ACCESS_KEY_ID'),
      secretAccessKey: need('TEST_S3_SECRET_ACCESS_KEY'),
      forcePathStyle: env.TEST_S3_FORCE_PATH_STYLE !== 'false',
    },
    close: async () => {},
  };
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  store: { deleteObject(bucket: string, key: string): Promise<void> };
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

/** An s3rver on 127.0.0.1, a free port and a fresh temp directory, with the bucket `doppel`. */
export async function startS3rver(bucket = 'doppel'): Promise<S3Service> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    // Path-style only: a Host of 127.0.0.1 never names a bucket anyway.
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  // s3rver's DeleteObjects deletes its keys in parallel, and each delete prunes the directories
  // it emptied: two deletes under one directory race to rmdir it, and the loser's ENOENT
  // becomes a 500 for the whole batch (stores/filesystem.js deleteObject). S3 has no
  // directories to race on. Deleting one key at a time keeps s3rver's answer S3's.
  const { store } = server;
  const deleteOne = store.deleteObject.bind(store);
  let deletes: Promise<unknown> = Promise.resolve();
  store.deleteObject = (b, k) => {
    const done = deletes.then(() => deleteOne(b, k));
    deletes = done.catch(() => {});
    return done;
  };
  const { port } = await server.run();
  return {
    kind: 's3rver',
    target: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      forcePathStyle: true,
    },
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
