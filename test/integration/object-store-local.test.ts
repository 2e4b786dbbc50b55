// The ObjectStore contract at the store level (no HTTP), as one suite run against every backend:
// the local one always, an S3-compatible service when one is selected (TEST_S3=s3rver starts
// one here, TEST_S3_ENDPOINT names one: test/helpers/s3.ts). Then what only the local
// backend promises about its files. The presigned-URL routes are in object-store-local-http.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it, it as test } from 'node:test';
import { isAppError } from '../../src/core/errors/index.ts';
import { LocalObjectStore } from '../../src/core/object-store/local.ts';
import { S3ObjectStore } from '../../src/core/object-store/s3.ts';
import type { ObjectMeta, ObjectStore } from '../../src/core/object-store/types.ts';
import { openS3Service, s3SkipReason } from '../helpers/s3.ts';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const EMPTY_MD5 = '1B2M2Y8AsgTpgAmY7PhCfg==';
/** What a test usually compares of an ObjectMeta: [size, md5, contentType]. */
const facts = (m: ObjectMeta | null | undefined) => [m?.size, m?.md5, m?.contentType];

/** An assert.rejects validator: an AppError with this code. */
const code = (expected: string) => (e: unknown) => {
  assert.ok(isAppError(e), `expected AppError ${expected}, got ${String(e)}`);
  assert.equal(e.code, expected, e.message);
  return true;
};

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

async function getBytes(store: ObjectStore, key: string): Promise<Buffer | null> {
  const got = await store.get(key);
  return got && readAll(got.body);
}

/** Regular files under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name],
    )
    .sort();
}

interface Backend {
  store: ObjectStore;
  /** Every key a case writes starts with this, so a shared bucket stays clean. */
  prefix: string;
  close(): Promise<void>;
}

/**
 * The suite. `gaps` names the cases a backend is known not to pass, with the reason; they are
 * reported as skipped with it. Only a proven bug or gap of a test double belongs there.
 */
function objectStoreConformance(open: () => Promise<Backend>, gaps: Record<string, string> = {}): void {
  const it = (name: string, fn: () => Promise<void>) =>
    gaps[name] ? test(name, { skip: gaps[name] }, fn) : test(name, fn);
  let b: Backend;
  let store: ObjectStore;
  const k = (name: string) => `${b.prefix}${name}`;
  before(async () => {
    b = await open();
    store = b.store;
  });
  after(() => b?.close());

  it('put, head and get round-trip the bytes, size, type and base64 MD5', async () => {
    const key = k('round/trip.bin');
    const bytes = randomBytes(1000);
    const put = await store.put(key, bytes, { contentType: 'video/mp4' });
    assert.equal(put.key, key);
    assert.deepEqual(facts(put), [1000, md5(bytes), 'video/mp4']);
    const head = await store.head(key);
    assert.ok(head);
    assert.deepEqual([head.key, head.etag, ...facts(head)], [key, put.etag, 1000, md5(bytes), 'video/mp4']);
    assert.ok(head.lastModified instanceof Date && !Number.isNaN(head.lastModified.getTime()));
    const got = await store.get(key);
    assert.ok(got);
    assert.equal(got.meta.md5, md5(bytes));
    assert.deepEqual(await readAll(got.body), bytes);
  });

  it('put takes a stream and checks a given MD5; a mismatch stores nothing and keeps the old object', async () => {
    const key = k('stream.bin');
    const parts = [randomBytes(70_000), randomBytes(3), randomBytes(65_536)];
    const whole = Buffer.concat(parts);
    const meta = await store.put(key, Readable.from(parts), { md5: md5(whole) });
    assert.equal(meta.size, whole.length);
    assert.equal(meta.md5, md5(whole));
    assert.deepEqual(await getBytes(store, key), whole);

    const other = k('mismatch.bin');
    const wrong = md5(Buffer.from('something else'));
    await assert.rejects(store.put(other, Readable.from([whole]), { md5: wrong }), code('DOPPEL.1005'));
    await assert.rejects(store.put(other, whole, { md5: wrong }), code('DOPPEL.1005'));
    assert.equal(await store.head(other), null);
    await assert.rejects(
      store.put(key, Readable.from([randomBytes(10)]), { md5: wrong }),
      code('DOPPEL.1005'),
    );
    assert.deepEqual(await getBytes(store, key), whole, 'a refused overwrite keeps the old object');
    await assert.rejects(store.put(other, whole, { md5: 'not-an-md5' }), code('DOPPEL.1006'));
    await assert.rejects(
      store.put(other, whole, { md5: createHash('md5').digest('hex') }),
      code('DOPPEL.1006'),
    );
  });

  it('an empty object with the default content type', async () => {
    const key = k('empty');
    const meta = await store.put(key, Buffer.alloc(0));
    assert.deepEqual(facts(meta), [0, EMPTY_MD5, 'application/octet-stream']);
    assert.equal((await store.head(key))?.size, 0);
    assert.equal((await getBytes(store, key))?.length, 0);
    await assert.rejects(store.get(key, { start: 0 }), code('DOPPEL.1008'));
  });

  it('overwriting replaces the object whole', async () => {
    const key = k('overwrite');
    await store.put(key, Buffer.from('first version, longer'), { contentType: 'text/plain' });
    const second = Buffer.from('second');
    const meta = await store.put(key, second, { contentType: 'application/json' });
    const head = await store.head(key);
    assert.deepEqual(facts(head), [6, md5(second), 'application/json']);
    assert.equal(head?.etag, meta.etag);
    assert.deepEqual(await getBytes(store, key), second);
  });

  it('get honours an inclusive byte range and reports the whole size', async () => {
    const key = k('range.txt');
    await store.put(key, Buffer.from('0123456789'));
    const range = async (start: number, end?: number) => {
      const got = await store.get(key, { start, end });
      assert.ok(got);
      assert.equal(got.meta.size, 10);
      return (await readAll(got.body)).toString();
    };
    assert.equal(await range(2, 5), '2345');
    assert.equal(await range(7), '789');
    assert.equal(await range(8, 100), '89', 'end is clamped to the last byte');
    assert.equal(await range(0, 0), '0');
    await assert.rejects(store.get(key, { start: 10 }), code('DOPPEL.1008'));
    await assert.rejects(store.get(key, { start: 5, end: 2 }), code('DOPPEL.1013'));
    await assert.rejects(store.get(key, { start: -1 }), code('DOPPEL.1013'));
  });

  it('head and get of an absent key give null; delete removes; deleting an absent key succeeds', async () => {
    const key = k('deleted');
    assert.equal(await store.head(key), null);
    assert.equal(await store.get(key), null);
    await store.delete(key);
    await store.put(key, Buffer.from('x'));
    await store.delete(key);
    assert.equal(await store.head(key), null);
    assert.equal(await store.get(key), null);
    await store.delete(key);
  });

  it('deletePrefix deletes exactly the keys under the prefix and counts them', async () => {
    const keys = ['p/a/1', 'p/a/2', 'p/a/sub/3', 'p/ab', 'p/b/1', 'p/a'];
    for (const key of keys) await store.put(k(key), Buffer.from(key));
    assert.equal(await store.deletePrefix(k('p/a/')), 3);
    for (const key of keys) {
      assert.equal((await store.head(k(key))) === null, key.startsWith('p/a/'), key);
    }
    assert.equal(await store.deletePrefix(k('p/a')), 2, 'p/a and p/ab');
    assert.deepEqual(await getBytes(store, k('p/b/1')), Buffer.from('p/b/1'));
    assert.equal(await store.deletePrefix(k('p/none')), 0);
    assert.equal(await store.deletePrefix(k('p/')), 1);
    assert.equal(await store.head(k('p/b/1')), null);
  });

  it('copy duplicates bytes, MD5 and type, independently of the source', async () => {
    const from = k('copy/from');
    const to = k('copy/to');
    const bytes = randomBytes(5000);
    await store.put(from, bytes, { contentType: 'image/png' });
    const meta = await store.copy(from, to);
    assert.deepEqual([meta.key, ...facts(meta)], [to, 5000, md5(bytes), 'image/png']);
    await store.put(from, Buffer.from('changed'));
    assert.deepEqual(await getBytes(store, to), bytes);
    await store.delete(from);
    assert.equal((await store.head(to))?.md5, md5(bytes));
    await assert.rejects(store.copy(k('copy/absent'), to), code('DOPPEL.1009'));
  });

  it('refuses invalid keys and prefixes in every method', async () => {
    const bad = ['', '../x', 'a/../x', '..', '/abs', 'a//b', 'a/', './a', 'a/./b', 'a~b', 'a b', 'é'];
    bad.push('x'.repeat(1025));
    const ok = k('valid');
    const exp = { expiresInSec: 60 };
    for (const key of bad) {
      const calls: [string, () => Promise<unknown>][] = [
        ['put', () => store.put(key, Buffer.from('x'))],
        ['head', () => store.head(key)],
        ['get', () => store.get(key)],
        ['delete', () => store.delete(key)],
        ['copy from', () => store.copy(key, ok)],
        ['copy to', () => store.copy(ok, key)],
        ['presignPut', () => store.presignPut(key, exp)],
        ['presignGet', () => store.presignGet(key, exp)],
        ['createMultipart', () => store.createMultipart(key, { ...exp, partCount: 1 })],
      ];
      for (const [name, call] of calls) await assert.rejects(call(), code('DOPPEL.1001'), `${name} ${key}`);
    }
    for (const prefix of ['', '/x', '../', 'a//', '.']) {
      await assert.rejects(store.deletePrefix(prefix), code('DOPPEL.1001'), prefix);
    }
  });

  it('checks presign options', async () => {
    const key = k('presigned');
    for (const expiresInSec of [0, -1, 1.5, 7 * 24 * 3600 + 1]) {
      await assert.rejects(store.presignPut(key, { expiresInSec }), code('DOPPEL.1013'), `${expiresInSec}`);
      await assert.rejects(store.presignGet(key, { expiresInSec }), code('DOPPEL.1013'), `${expiresInSec}`);
    }
    await assert.rejects(store.presignPut(key, { expiresInSec: 60, md5: 'abc' }), code('DOPPEL.1006'));
    await assert.rejects(
      store.presignPut(key, { expiresInSec: 60, contentLength: Number.MAX_SAFE_INTEGER }),
      code('DOPPEL.1007'),
    );
    const url = await store.presignGet(key, { expiresInSec: 7 * 24 * 3600 });
    assert.ok(new URL(url).pathname.endsWith(`/${key}`), url);
  });

  it('multipart: options checked, missing parts named, abort idempotent, another key refused', async () => {
    const key = k('multi/video.mp4');
    for (const partCount of [0, 1.5, 10_001]) {
      const create = store.createMultipart(key, { partCount, expiresInSec: 60 });
      await assert.rejects(create, code('DOPPEL.1013'), `${partCount}`);
    }
    const { uploadId, partUrls } = await store.createMultipart(key, { partCount: 3, expiresInSec: 60 });
    assert.equal(partUrls.length, 3);
    assert.equal(new Set(partUrls).size, 3);
    await assert.rejects(store.completeMultipart(key, uploadId), code('DOPPEL.1011'));
    await assert.rejects(store.completeMultipart(k('multi/other'), uploadId), code('DOPPEL.1010'));
    await store.abortMultipart(k('multi/other'), uploadId); // not that key's upload: a no-op
    await store.abortMultipart(key, uploadId);
    await store.abortMultipart(key, uploadId);
    await assert.rejects(store.completeMultipart(key, uploadId), code('DOPPEL.1010'));
    assert.equal(await store.head(key), null);
  });

  it('readers during overwrites always get bytes matching the metadata they got', async () => {
    const key = k('race');
    const versions = Array.from({ length: 4 }, (_, i) => Buffer.alloc(20_000 + i * 7919, 0x61 + i));
    await store.put(key, versions[0]!);
    const writer = (async () => {
      for (let i = 0; i < 12; i++) await store.put(key, versions[i % versions.length]!);
    })();
    const reader = (async () => {
      for (let i = 0; i < 25; i++) {
        const got = await store.get(key);
        assert.ok(got, 'an overwritten key never reads as absent');
        const bytes = await readAll(got.body);
        assert.equal(bytes.length, got.meta.size);
        assert.equal(md5(bytes), got.meta.md5);
        assert.ok(versions.some((v) => v.equals(bytes)));
      }
    })();
    await Promise.all([writer, reader]);
  });
}

// ── the backends ────────────────────────────────────────────────────────────

describe('local object store: conformance', () => {
  objectStoreConformance(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-objects-'));
    const store = new LocalObjectStore({
      root: path.join(dir, 'objects'),
      publicUrl: 'http://doppel.test/',
      signingKey: randomBytes(32),
      maxObjectBytes: 1 << 20,
    });
    return {
      store,
      prefix: 'conformance/',
      close: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  });
});

// What s3rver 3.7.1 (CI's S3 leg, TEST_S3=s3rver) does not do as S3 does, read in its source.
// Everything else in the suite runs on it.
const S3RVER_GAPS: Record<string, string> = {
  // routes.js sends GET ?uploadId (ListParts) to "MethodNotAllowed" (405). S3 lists the parts,
  // and completeMultipart needs that list: the parts are uploaded to presigned URLs, so only
  // the service knows their ETags.
  'multipart: options checked, missing parts named, abort idempotent, another key refused':
    's3rver does not implement ListParts (answers 405)',
  // stores/filesystem.js reads the metadata file and opens the data file separately, so a GET
  // racing a PUT can pair one version's headers with another's bytes. S3 serves one version
  // whole (strong read-after-write consistency).
  'readers during overwrites always get bytes matching the metadata they got':
    "s3rver can pair one version's metadata with another's bytes under concurrent overwrites",
};

describe('S3 object store: conformance', () => {
  const skip = s3SkipReason();
  if (skip) {
    it('conformance', (t) => t.skip(`S3 conformance skipped: ${skip}`));
    return;
  }
  objectStoreConformance(
    async () => {
      const service = await openS3Service();
      const store = new S3ObjectStore({ ...service.target, maxObjectBytes: 1 << 20 });
      const prefix = `doppel-test-${randomBytes(6).toString('hex')}/`;
      return {
        store,
        prefix,
        close: async () => {
          await store.deletePrefix(prefix);
          await service.close();
        },
      };
    },
    process.env.TEST_S3 === 's3rver' ? S3RVER_GAPS : {},
  );
});

// ── local only: files, temp files and the clock ─────────────────────────────

describe('local object store: files on disk', () => {
  let dir: string;
  let root: string;
  let store: LocalObjectStore;
  let now = Date.parse('2030-01-02T03:04:05.678Z');
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-objects-'));
    root = path.join(dir, 'objects');
    store = new LocalObjectStore({
      root,
      publicUrl: 'http://doppel.test',
      signingKey: randomBytes(32),
      maxObjectBytes: 1000,
      clock: { now: () => new Date(now) },
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the ETag is the hex MD5 and lastModified comes from the clock', async () => {
    const bytes = Buffer.from('hello');
    const meta = await store.put('clock/a', bytes);
    assert.equal(meta.etag, createHash('md5').update(bytes).digest('hex'));
    assert.equal(meta.lastModified.toISOString(), '2030-01-02T03:04:05.678Z');
    now += 60_000;
    await store.copy('clock/a', 'clock/b');
    assert.equal((await store.head('clock/b'))?.lastModified.toISOString(), '2030-01-02T03:05:05.678Z');
    await store.deletePrefix('clock/');
  });

  it('a refused or failed put leaves no object and no temp file', async () => {
    const key = 'failed/put';
    await assert.rejects(store.put(key, randomBytes(1001)), code('DOPPEL.1007'));
    await assert.rejects(
      store.put(key, Readable.from([randomBytes(600), randomBytes(600)])),
      code('DOPPEL.1007'),
    );
    await assert.rejects(store.put(key, Buffer.from('abc'), { md5: EMPTY_MD5 }), code('DOPPEL.1005'));
    let reads = 0;
    const broken = new Readable({
      read() {
        if (reads++ === 0) this.push(Buffer.from('half a body'));
        else this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.put(key, broken), /client went away/);
    assert.equal(await store.head(key), null);
    assert.deepEqual(filesUnder(root), []);
  });

  it('a stored object is one sidecar and one data file; deletes leave nothing behind', async () => {
    await store.put('layout/a/b', Buffer.from('1'));
    await store.put('layout/a/b', Buffer.from('2'));
    await store.put('layout/a', Buffer.from('3'));
    await store.copy('layout/a', 'layout/c/d');
    const objects = filesUnder(root).filter((f) => !f.startsWith('~'));
    assert.equal(objects.length, 6, objects.join(', '));
    assert.ok(objects.includes('layout/a/b~meta.json'));
    await store.delete('layout/a/b');
    assert.equal(await store.deletePrefix('layout/'), 2);
    assert.deepEqual(filesUnder(root), []);
    assert.deepEqual(
      fs.readdirSync(root).filter((f) => !f.startsWith('~')),
      [],
      'emptied directories are pruned',
    );
  });

  it('refuses a bad signed length; abortMultipart leaves no files', async () => {
    for (const contentLength of [-1, 1.5, Number.NaN]) {
      await assert.rejects(store.presignPut('k', { expiresInSec: 60, contentLength }), code('DOPPEL.1013'));
    }
    const { uploadId } = await store.createMultipart('mp/k', { partCount: 2, expiresInSec: 60 });
    await store.receivePart('mp/k', uploadId, 2, Buffer.from('part two'));
    assert.ok(filesUnder(root).length > 0);
    await store.abortMultipart('mp/k', uploadId);
    await store.abortMultipart('mp/k', uploadId);
    await store.abortMultipart('mp/k', 'not-an-upload-id');
    assert.deepEqual(filesUnder(root), []);
  });
});
