// The S3 backend's ranged get() against a service that answers ranges in every way the wire
// allows or that S3 look-alikes have been seen to: a 206 of exactly the asked window (S3), a 200
// with the whole object (RFC 9110 lets a server ignore Range), a 206 of a wider window (s3rver
// 3.7.1 for `bytes=0-0`), a 206 on an empty object (s3rver again; S3 answers 416), a 416, and
// nonsense. The service is a fake fetch over one 10-byte object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/core/errors/index.ts';
import { S3ObjectStore } from '../../src/core/object-store/s3.ts';

type Answer = (range: { start: number; end?: number }, bytes: Buffer) => Response;

const OBJECT = Buffer.from('0123456789');

function storeAnswering(answer: Answer, bytes = OBJECT): { store: S3ObjectStore; ranges: string[] } {
  const ranges: string[] = [];
  const store = new S3ObjectStore({
    endpoint: 'http://s3.invalid:9000',
    region: 'us-east-1',
    bucket: 'b',
    accessKeyId: 'AK',
    secretAccessKey: 'SK',
    forcePathStyle: true,
    maxObjectBytes: 1024,
    fetch: (async (_input: string | URL | Request, init?: RequestInit) => {
      const h = new Headers(init?.headers);
      const header = h.get('range') ?? '';
      ranges.push(header);
      const m = /^bytes=(\d+)-(\d*)$/.exec(header);
      assert.ok(m, `a ranged GET: ${header}`);
      return answer({ start: Number(m[1]), end: m[2] === '' ? undefined : Number(m[2]) }, bytes);
    }) as typeof fetch,
  });
  return { store, ranges };
}

const headers = (size: number, extra: Record<string, string> = {}) => ({
  'content-type': 'text/plain',
  etag: '"781e5e245d69b566979b86e28d23f2c7"',
  'last-modified': new Date(0).toUTCString(),
  'content-length': String(size),
  ...extra,
});

/** S3 itself: exactly the asked window, clamped to the object; 416 past its end. */
const s3: Answer = ({ start, end }, bytes) => {
  if (start >= bytes.length)
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${bytes.length}` } });
  const last = Math.min(end ?? bytes.length - 1, bytes.length - 1);
  const body = bytes.subarray(start, last + 1);
  return new Response(new Uint8Array(body), {
    status: 206,
    headers: headers(body.length, { 'content-range': `bytes ${start}-${last}/${bytes.length}` }),
  });
};
/** A server that ignores Range. */
const whole: Answer = (_r, bytes) =>
  new Response(new Uint8Array(bytes), { status: 200, headers: headers(bytes.length) });
/** A 206 of the asked start up to the end of the object, whatever end was asked (s3rver 3.7.1 for `bytes=n-n`). */
const toTheEnd: Answer = ({ start }, bytes) => {
  const body = bytes.subarray(start);
  const last = Math.max(start, bytes.length - 1);
  return new Response(new Uint8Array(body), {
    status: 206,
    headers: headers(body.length, { 'content-range': `bytes ${start}-${last}/${bytes.length}` }),
  });
};

async function text(store: S3ObjectStore, start: number, end?: number): Promise<[string, number]> {
  const got = await store.get('k', { start, end });
  assert.ok(got);
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(Buffer.from(c as Buffer));
  return [Buffer.concat(chunks).toString(), got.meta.size];
}

const code = (expected: string) => (e: unknown) => {
  assert.ok(isAppError(e), String(e));
  assert.equal(e.code, expected, e.message);
  return true;
};

describe('S3 get with a byte range: what the service sent is checked and cut to what was asked', () => {
  for (const [name, answer] of [
    ['an exact 206 (S3)', s3],
    ['a 200 with the whole object', whole],
    ['a 206 running to the end of the object', toTheEnd],
  ] as const) {
    it(name, async () => {
      const { store, ranges } = storeAnswering(answer);
      assert.deepEqual(await text(store, 2, 5), ['2345', 10]);
      assert.deepEqual(await text(store, 0, 0), ['0', 10]);
      assert.deepEqual(await text(store, 7), ['789', 10]);
      assert.deepEqual(await text(store, 8, 100), ['89', 10]);
      assert.deepEqual(await text(store, 9, 9), ['9', 10]);
      assert.deepEqual(ranges, ['bytes=2-5', 'bytes=0-0', 'bytes=7-', 'bytes=8-100', 'bytes=9-9']);
    });
  }

  it('a start past the end is 416 DOPPEL.1008 however the service answers; so is any range of an empty object', async () => {
    for (const answer of [s3, whole, toTheEnd]) {
      await assert.rejects(storeAnswering(answer).store.get('k', { start: 10 }), code('DOPPEL.1008'));
      const empty = storeAnswering(answer, Buffer.alloc(0)).store;
      await assert.rejects(empty.get('k', { start: 0 }), code('DOPPEL.1008'));
      await assert.rejects(empty.get('k', { start: 0, end: 0 }), code('DOPPEL.1008'));
    }
  });

  it('a 206 that starts after the asked start, or has no usable Content-Range, is a backend error', async () => {
    const later: Answer = (_r, bytes) =>
      new Response(new Uint8Array(bytes.subarray(5)), {
        status: 206,
        headers: headers(5, { 'content-range': `bytes 5-9/10` }),
      });
    await assert.rejects(storeAnswering(later).store.get('k', { start: 2, end: 3 }), code('DOPPEL.1014'));
    for (const contentRange of [undefined, 'bytes */10', 'bytes 3-1/10', 'items 0-1/10']) {
      const bad: Answer = (_r, bytes) =>
        new Response(new Uint8Array(bytes), {
          status: 206,
          headers: headers(10, contentRange ? { 'content-range': contentRange } : {}),
        });
      await assert.rejects(storeAnswering(bad).store.get('k', { start: 0, end: 1 }), code('DOPPEL.1014'));
    }
  });
});
