// The local backend's presigned URLs as Doppel serves them (objectRoutes in the real app):
// app.inject for the checks, a listening server for streamed uploads, ranges and races.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { createLogger } from '../../src/core/logger.ts';
import { LocalObjectStore, objectRoutes } from '../../src/core/object-store/index.ts';
import { sleep } from '../../src/core/util/time.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { ownerOfPath, testGuards, testHttpConfig } from '../helpers/bare-app.ts';

const PUBLIC_URL = 'http://doppel.test/base';
const MiB = 1 << 20;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const md5Hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');

let dir: string;
let root: string;
let store: LocalObjectStore;
let app: FastifyInstance;
let base: string;
let now = Date.now();

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doppel-objects-http-'));
  root = path.join(dir, 'objects');
  store = new LocalObjectStore({
    root,
    publicUrl: PUBLIC_URL,
    signingKey: randomBytes(32),
    maxObjectBytes: 32 * MiB,
    clock: { now: () => new Date(now) },
  });
  app = await buildApp({
    // Far below the uploads below: the object routes stream, they never buffer a body.
    config: testHttpConfig(MiB),
    logger: createLogger({ level: 'silent' }),
    authenticate: ownerOfPath,
    guards: testGuards(),
    throttle: undefined,
    metrics: createMetrics({ defaultMetrics: false }),
    handlers: {},
    plugins: [objectRoutes(store)],
    serveApi: true,
    readiness: async () => undefined,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Path and query of a presigned URL, which must point under PUBLIC_URL. */
function local(url: string): string {
  assert.ok(url.startsWith(`${PUBLIC_URL}/objects/`), url);
  return url.slice(PUBLIC_URL.length);
}
/** The same URL on the listening server. */
const real = (url: string): string => `${base}${local(url)}`;

const put = (url: string, payload: Buffer, headers: Record<string, string> = {}) =>
  app.inject({ method: 'PUT', url: local(url), payload, headers });
const get = (url: string) => app.inject({ method: 'GET', url: local(url) });

type Answer = LightMyRequestResponse | Response;
/** An error answer in the app's format, from app.inject or fetch. */
async function assertError(res: Answer | Promise<Answer>, status: number, code: string, why = '') {
  const r = await res;
  const [got, type, text] =
    r instanceof Response
      ? [r.status, r.headers.get('content-type'), await r.text()]
      : [r.statusCode, r.headers['content-type'], r.body];
  assert.equal(got, status, `${why} ${text}`);
  assert.match(String(type), /^application\/json/);
  const body = JSON.parse(text) as { error_code: string; error_msg: string };
  assert.equal(body.error_code, code, `${why} ${body.error_msg}`);
  assert.ok(body.error_msg.length > 0);
}

/** Regular files under the store's root (objects, parts and temp files alike). */
function filesUnder(d: string): string[] {
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(path.join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name],
    );
}
const tempFiles = () => filesUnder(path.join(root, '~tmp'));

/** A request body fetch streams chunked (no Content-Length), one chunk per pull. */
function chunked(chunks: Buffer[], delayMs = 0): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(c) {
      if (delayMs) await sleep(delayMs);
      if (i < chunks.length) c.enqueue(chunks[i++]);
      else c.close();
    },
  });
}
const streamPut = (url: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  fetch(real(url), { method: 'PUT', body, headers, duplex: 'half' } as RequestInit);

describe('presigned PUT', () => {
  it('stores the body; head shows size, MD5 and the Content-Type sent; the ETag is the hex MD5', async () => {
    const bytes = randomBytes(3000);
    const url = await store.presignPut('up/plain.wav', { expiresInSec: 300 });
    const res = await put(url, bytes, { 'content-type': 'audio/wav' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers.etag, `"${md5Hex(bytes)}"`);
    const head = await store.head('up/plain.wav');
    assert.deepEqual([head?.size, head?.md5, head?.contentType], [3000, md5(bytes), 'audio/wav']);

    const all = { contentType: 'video/mp4', contentLength: bytes.length, md5: md5(bytes) };
    const signed = await store.presignPut('up/signed.mp4', { expiresInSec: 300, ...all });
    const ok = await put(signed, bytes, { 'content-type': 'video/mp4', 'content-md5': md5(bytes) });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await store.head('up/signed.mp4'))?.md5, md5(bytes));
  });

  it('a Content-MD5 not matching the body is 400 DOPPEL.1005; a malformed one 400 DOPPEL.1006', async () => {
    const url = await store.presignPut('up/md5', { expiresInSec: 300 });
    const other = md5(Buffer.from('other'));
    await assertError(put(url, Buffer.from('body'), { 'content-md5': other }), 400, 'DOPPEL.1005');
    await assertError(put(url, Buffer.from('body'), { 'content-md5': 'abc' }), 400, 'DOPPEL.1006');
    assert.equal(await store.head('up/md5'), null);
  });

  it('a body not matching the signed MD5 is refused, stores nothing, leaves no temp file', async () => {
    const good = Buffer.from('the agreed body');
    const bad = Buffer.from('another body!!!'); // same length
    await store.put('up/kept', Buffer.from('old'));
    for (const key of ['up/signed-md5', 'up/kept']) {
      const url = await store.presignPut(key, { expiresInSec: 300, md5: md5(good) });
      await assertError(put(url, bad), 400, 'DOPPEL.1005');
      await assertError(put(url, bad, { 'content-md5': md5(bad) }), 400, 'DOPPEL.1005');
      await assertError(streamPut(url, chunked([bad.subarray(0, 5), bad.subarray(5)])), 400, 'DOPPEL.1005');
    }
    assert.equal(await store.head('up/signed-md5'), null);
    assert.equal((await store.head('up/kept'))?.md5, md5(Buffer.from('old')));
    assert.deepEqual(tempFiles(), []);
  });

  it('a length other than the signed one is 400 DOPPEL.1004, declared or streamed', async () => {
    const url = await store.presignPut('up/length', { expiresInSec: 300, contentLength: 10 });
    await assertError(put(url, Buffer.alloc(11)), 400, 'DOPPEL.1004');
    await assertError(put(url, Buffer.alloc(9)), 400, 'DOPPEL.1004');
    const [short, long] = [
      [Buffer.alloc(4), Buffer.alloc(5)],
      [Buffer.alloc(6), Buffer.alloc(6)],
    ];
    await assertError(streamPut(url, chunked(short)), 400, 'DOPPEL.1004');
    await assertError(streamPut(url, chunked(long)), 400, 'DOPPEL.1004', 'found while streaming');
    assert.equal(await store.head('up/length'), null);
    assert.deepEqual(tempFiles(), []);
    assert.equal((await put(url, Buffer.alloc(10))).statusCode, 200);
  });

  it('a Content-Type other than the signed one is 400 DOPPEL.1012', async () => {
    const url = await store.presignPut('up/type', { expiresInSec: 300, contentType: 'image/png' });
    await assertError(put(url, Buffer.from('x'), { 'content-type': 'image/jpeg' }), 400, 'DOPPEL.1012');
    await assertError(put(url, Buffer.from('x')), 400, 'DOPPEL.1012');
    assert.equal(await store.head('up/type'), null);
  });

  it('an expired URL is 403 DOPPEL.1003', async () => {
    const putUrl = await store.presignPut('up/expiry', { expiresInSec: 60 });
    now += 59_000;
    assert.equal((await put(putUrl, Buffer.from('in time'))).statusCode, 200);
    const getUrl = await store.presignGet('up/expiry', { expiresInSec: 1 });
    now += 1_000;
    await assertError(put(putUrl, Buffer.from('too late')), 403, 'DOPPEL.1003');
    await assertError(get(getUrl), 403, 'DOPPEL.1003');
    assert.equal((await store.head('up/expiry'))?.md5, md5(Buffer.from('in time')));
  });

  it('a tampered URL, one for another key, or one not signed by this store is 403 DOPPEL.1002', async () => {
    const url = await store.presignPut('up/a', { expiresInSec: 300, contentLength: 1 });
    const u = new URL(url);
    const sig = u.searchParams.get('X-Doppel-Signature')!;
    const variants: [string, (q: URLSearchParams) => void, string?][] = [
      ['flipped signature', (q) => q.set('X-Doppel-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1))],
      ['extended expiry', (q) => q.set('X-Doppel-Expires', String(Number(q.get('X-Doppel-Expires')) + 1))],
      ['dropped length', (q) => q.delete('X-Doppel-Length')],
      ['length 01', (q) => q.set('X-Doppel-Length', '01')],
      ['added MD5', (q) => q.set('X-Doppel-MD5', md5(Buffer.from('x')))],
      ['no signature', (q) => q.delete('X-Doppel-Signature')],
      ['repeated signature', (q) => q.append('X-Doppel-Signature', sig)],
      ['another key', () => {}, '/objects/up/b'],
    ];
    for (const [name, alter, pathname] of variants) {
      const q = new URLSearchParams(u.search);
      alter(q);
      const target = `${pathname ?? '/objects/up/a'}?${q}`;
      await assertError(app.inject({ method: 'PUT', url: target, payload: 'x' }), 403, 'DOPPEL.1002', name);
    }
    const foreign = new LocalObjectStore({
      root,
      publicUrl: PUBLIC_URL,
      signingKey: randomBytes(9),
      maxObjectBytes: 9,
    });
    const foreignUrl = await foreign.presignPut('up/a', { expiresInSec: 300 });
    await assertError(put(foreignUrl, Buffer.from('x')), 403, 'DOPPEL.1002');
    assert.equal(await store.head('up/a'), null);
    assert.equal(await store.head('up/b'), null);
  });

  it('a GET URL does not authorise a PUT, nor a PUT URL a GET; bad keys are 400 DOPPEL.1001', async () => {
    await store.put('up/methods', Buffer.from('kept'));
    const getUrl = await store.presignGet('up/methods', { expiresInSec: 300 });
    await assertError(put(getUrl, Buffer.from('x')), 403, 'DOPPEL.1002');
    const putUrl = await store.presignPut('up/methods', { expiresInSec: 300 });
    await assertError(get(putUrl), 403, 'DOPPEL.1002');
    assert.equal((await store.head('up/methods'))?.md5, md5(Buffer.from('kept')));
    for (const p of ['/objects/up%2F..%2Fx', '/objects/a~meta.json', '/objects/a%20b']) {
      const res = app.inject({ method: 'PUT', url: `${p}?X-Doppel-Expires=1`, payload: 'x' });
      await assertError(res, 400, 'DOPPEL.1001', p);
    }
  });
});

describe('presigned GET', () => {
  const bytes = Buffer.from('0123456789');
  const fetchTen = async (
    headers: Record<string, string> = {},
    method: 'GET' | 'HEAD' = 'GET',
    opts = {},
  ) => {
    const url = await store.presignGet('down/ten', { expiresInSec: 300, ...opts });
    return app.inject({ method, url: local(url), headers });
  };
  before(() => store.put('down/ten', bytes, { contentType: 'text/plain' }));

  it('returns the whole object with its length, type, ETag and Accept-Ranges', async () => {
    const res = await fetchTen();
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.rawPayload, bytes);
    assert.equal(res.headers['content-length'], '10');
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.headers.etag, `"${md5Hex(bytes)}"`);
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.equal(res.headers['content-disposition'], undefined);
  });

  it('serves single byte ranges with 206 and Content-Range; ignores ones it does not understand', async () => {
    const cases: [string, string, string][] = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=-30', '0123456789', 'bytes 0-9/10'],
      ['bytes=4-', '456789', 'bytes 4-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const res = await fetchTen({ range });
      assert.equal(res.statusCode, 206, range);
      assert.equal(res.body, body, range);
      assert.equal(res.headers['content-range'], contentRange, range);
      assert.equal(res.headers['content-length'], String(body.length), range);
    }
    for (const range of ['bytes=5-2', 'bytes=0-1,4-5', 'items=0-1', 'bytes=-']) {
      const res = await fetchTen({ range });
      assert.equal(res.statusCode, 200, range);
      assert.equal(res.body, '0123456789', range);
    }
    const stale = await fetchTen({ range: 'bytes=0-1', 'if-range': '"not-the-etag"' });
    assert.equal(stale.statusCode, 200);
    const fresh = await fetchTen({ range: 'bytes=0-1', 'if-range': `"${md5Hex(bytes)}"` });
    assert.equal(fresh.statusCode, 206);
  });

  it('an unsatisfiable range is 416 DOPPEL.1008 with Content-Range bytes */size', async () => {
    for (const range of ['bytes=10-', 'bytes=100-200', 'bytes=-0']) {
      const res = await fetchTen({ range });
      await assertError(res, 416, 'DOPPEL.1008');
      assert.equal(res.headers['content-range'], 'bytes */10', range);
    }
  });

  it('HEAD gives Content-Length and no body', async () => {
    const res = await fetchTen({}, 'HEAD');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '10');
    assert.equal(res.headers.etag, `"${md5Hex(bytes)}"`);
    assert.equal(res.rawPayload.length, 0);
  });

  it('downloadName sets an RFC 6266 Content-Disposition, on GET and HEAD', async () => {
    const opts = { downloadName: "report (final) 'v2' 中文.txt" };
    const expected = "attachment; filename*=UTF-8''report%20%28final%29%20%27v2%27%20%E4%B8%AD%E6%96%87.txt";
    assert.equal((await fetchTen({}, 'GET', opts)).headers['content-disposition'], expected);
    assert.equal((await fetchTen({}, 'HEAD', opts)).headers['content-disposition'], expected);
  });

  it('a missing object is 404 DOPPEL.1009', async () => {
    const url = await store.presignGet('down/absent', { expiresInSec: 300 });
    await assertError(get(url), 404, 'DOPPEL.1009');
  });
});

describe('multipart through part URLs', () => {
  const parts = [randomBytes(70_000), randomBytes(1), randomBytes(33_333)];
  const whole = Buffer.concat(parts);

  it('3 parts PUT out of order, then complete: the concatenation, its MD5, and no upload files left', async () => {
    const key = 'mp/video.mp4';
    const opts = { partCount: 3, expiresInSec: 300, contentType: 'video/mp4' };
    const { uploadId, partUrls } = await store.createMultipart(key, opts);
    assert.equal(partUrls.length, 3);
    for (const i of [2, 0, 1]) {
      const res = await put(partUrls[i]!, i === 1 ? Buffer.from('replaced below') : parts[i]!);
      assert.equal(res.statusCode, 200, res.body);
    }
    const again = await put(partUrls[1]!, parts[1]!, { 'content-md5': md5(parts[1]!) });
    assert.equal(again.headers.etag, `"${md5Hex(parts[1]!)}"`);
    assert.equal(await store.head(key), null, 'nothing visible before completion');
    const meta = await store.completeMultipart(key, uploadId);
    assert.deepEqual([meta.size, meta.md5, meta.contentType], [whole.length, md5(whole), 'video/mp4']);
    const got = await get(await store.presignGet(key, { expiresInSec: 60 }));
    assert.deepEqual(got.rawPayload, whole);
    assert.deepEqual(filesUnder(path.join(root, '~multipart')), []);
    await assertError(put(partUrls[0]!, parts[0]!), 404, 'DOPPEL.1010');
    assert.equal((await store.head(key))?.md5, md5(whole), 'a late part does not touch the object');
  });

  it('completing with a part missing is 400 DOPPEL.1011 naming it; the upload survives', async () => {
    const key = 'mp/gap';
    const { uploadId, partUrls } = await store.createMultipart(key, { partCount: 3, expiresInSec: 300 });
    await put(partUrls[0]!, parts[0]!);
    await put(partUrls[2]!, parts[2]!);
    const missing = { code: 'DOPPEL.1011', message: /part\(s\) 2 not uploaded/ };
    await assert.rejects(store.completeMultipart(key, uploadId), missing);
    assert.equal(await store.head(key), null);
    await put(partUrls[1]!, parts[1]!);
    assert.equal((await store.completeMultipart(key, uploadId)).md5, md5(whole));
  });

  it('abortMultipart is idempotent and leaves no files; its part URLs then answer 404 DOPPEL.1010', async () => {
    const before = filesUnder(root).sort();
    const opts = { partCount: 2, expiresInSec: 300 };
    const { uploadId, partUrls } = await store.createMultipart('mp/aborted', opts);
    await put(partUrls[0]!, parts[0]!);
    await store.abortMultipart('mp/aborted', uploadId);
    await store.abortMultipart('mp/aborted', uploadId);
    await assertError(put(partUrls[1]!, parts[1]!), 404, 'DOPPEL.1010');
    assert.deepEqual(filesUnder(root).sort(), before);
  });
});

describe('over a real socket', () => {
  it('streams an 8 MiB chunked upload and reads it back whole and by range', async () => {
    const chunks = Array.from({ length: 128 }, () => randomBytes(64 * 1024));
    const whole = Buffer.concat(chunks);
    const url = await store.presignPut('big/8mib.bin', { expiresInSec: 300, md5: md5(whole) });
    const res = await streamPut(url, chunked(chunks), { 'content-type': 'application/x-test' });
    assert.equal(res.status, 200, await res.text());
    assert.equal(res.headers.get('etag'), `"${md5Hex(whole)}"`);
    const head = await store.head('big/8mib.bin');
    assert.deepEqual([head?.size, head?.md5, head?.contentType], [8 * MiB, md5(whole), 'application/x-test']);

    const getUrl = real(await store.presignGet('big/8mib.bin', { expiresInSec: 300 }));
    const all = await fetch(getUrl);
    assert.equal(all.headers.get('content-length'), String(8 * MiB));
    assert.equal(md5(Buffer.from(await all.arrayBuffer())), md5(whole));
    const part = await fetch(getUrl, { headers: { range: 'bytes=5000000-5000099' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 5000000-5000099/${8 * MiB}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), whole.subarray(5_000_000, 5_000_100));
    const tail = await fetch(getUrl, { headers: { range: 'bytes=-3' } });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), whole.subarray(-3));
    const none = await fetch(getUrl, { headers: { range: `bytes=${8 * MiB}-` } });
    assert.equal(none.status, 416);
    assert.equal(none.headers.get('content-range'), `bytes */${8 * MiB}`);
  });

  it('two concurrent PUTs to one key leave one whole body, never a mix', async () => {
    const url = await store.presignPut('race/one', { expiresInSec: 300 });
    for (let round = 0; round < 3; round++) {
      const body = (fill: number) => Array.from({ length: 32 }, () => Buffer.alloc(16 * 1024, fill));
      const racing = [0x61, 0x62].map((fill) => streamPut(url, chunked(body(fill), 1)));
      const [a, b] = await Promise.all(racing);
      assert.deepEqual([a.status, b.status], [200, 200]);
      const got = await fetch(real(await store.presignGet('race/one', { expiresInSec: 300 })));
      const bytes = Buffer.from(await got.arrayBuffer());
      assert.equal(bytes.length, 512 * 1024);
      const oneBody = bytes.every((x) => x === bytes[0]);
      assert.ok(oneBody, 'a mix of both bodies');
      assert.equal(got.headers.get('etag'), `"${md5Hex(bytes)}"`);
    }
    assert.deepEqual(tempFiles(), []);
  });
});
