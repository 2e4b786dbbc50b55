// SigV4 against AWS's published S3 examples, and the key rules both backends share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/core/errors/index.ts';
import { assertValidKey, assertValidPrefix, contentDisposition } from '../../src/core/object-store/key.ts';
import { S3ObjectStore } from '../../src/core/object-store/s3.ts';
import {
  EMPTY_SHA256,
  presignUrl,
  type SigV4Credentials,
  signRequest,
} from '../../src/core/object-store/sigv4.ts';

// The example credentials and date from AWS's SigV4-for-S3 documentation.
const creds: SigV4Credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
};
const when = new Date('2013-05-24T00:00:00Z');
const host = 'examplebucket.s3.amazonaws.com';

describe('sigv4', () => {
  it('presigns the AWS "GET object" query-string example', () => {
    const url = presignUrl(
      { method: 'GET', protocol: 'https:', host, path: '/test.txt' },
      creds,
      when,
      86400,
    );
    const u = new URL(url);
    assert.equal(
      u.searchParams.get('X-Amz-Signature'),
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
    assert.equal(
      u.searchParams.get('X-Amz-Credential'),
      'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
    );
    assert.equal(u.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.ok(
      url.startsWith('https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&'),
    );
  });

  it('signs the AWS "GET Object" header example (Range bytes=0-9)', () => {
    const headers = signRequest(
      { method: 'GET', protocol: 'https:', host, path: '/test.txt', headers: { Range: 'bytes=0-9' } },
      creds,
      when,
      EMPTY_SHA256,
    );
    assert.equal(
      headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    assert.equal(headers['x-amz-date'], '20130524T000000Z');
  });

  it('S3ObjectStore builds the same presigned URL (virtual-host style)', async () => {
    const store = new S3ObjectStore({
      endpoint: 'https://s3.amazonaws.com',
      region: 'us-east-1',
      bucket: 'examplebucket',
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      forcePathStyle: false,
      maxObjectBytes: 1024,
      clock: { now: () => when },
    });
    const url = await store.presignGet('test.txt', { expiresInSec: 86400 });
    assert.equal(
      new URL(url).searchParams.get('X-Amz-Signature'),
      'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
    assert.equal(new URL(url).host, host);
  });

  it('S3ObjectStore path style puts the bucket in the path and signs constraints', async () => {
    const store = new S3ObjectStore({
      endpoint: 'http://127.0.0.1:9000/',
      region: 'us-east-1',
      bucket: 'b',
      accessKeyId: 'ak',
      secretAccessKey: 'sk',
      forcePathStyle: true,
      maxObjectBytes: 1024,
      clock: { now: () => when },
    });
    const url = new URL(
      await store.presignPut('p/x.mp4', {
        expiresInSec: 60,
        md5: '1B2M2Y8AsgTpgAmY7PhCfg==',
        contentType: 'video/mp4',
      }),
    );
    assert.equal(url.host, '127.0.0.1:9000');
    assert.equal(url.pathname, '/b/p/x.mp4');
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'content-md5;content-type;host');
    const parts = await store.presignPut('p/x.mp4', { expiresInSec: 60 });
    assert.equal(new URL(parts).searchParams.get('X-Amz-SignedHeaders'), 'host');
  });
});

describe('object keys', () => {
  const rejected = (fn: () => void) =>
    assert.throws(fn, (e: unknown) => e instanceof AppError && e.code === 'DOPPEL.1001' && e.status === 400);

  it('accepts ordinary keys', () => {
    for (const k of ['a', 'projects/p1/files/f1/video.mp4', 'A-b_c.d/e', 'x'.repeat(1024), '.hidden/a']) {
      assertValidKey(k);
    }
  });

  it('rejects traversal, absolute paths, NUL, odd characters and overlong keys', () => {
    for (const k of [
      '',
      '/a',
      '..',
      'a/../b',
      'a/..',
      'a..b',
      './a',
      'a/./b',
      'a//b',
      'a/',
      'a\0b',
      'a b',
      'a~meta.json',
      'a\\b',
      'ü',
      'a?b',
      'a%2Fb',
      'x'.repeat(1025),
    ]) {
      rejected(() => assertValidKey(k));
    }
  });

  it('prefixes may end in / but not be empty', () => {
    assertValidPrefix('projects/p1/');
    assertValidPrefix('projects/p');
    rejected(() => assertValidPrefix(''));
    rejected(() => assertValidPrefix('/'));
    rejected(() => assertValidPrefix('a//'));
  });

  it('encodes download names per RFC 5987', () => {
    assert.equal(
      contentDisposition("数字人 (1)'s.mp4"),
      "attachment; filename*=UTF-8''%E6%95%B0%E5%AD%97%E4%BA%BA%20%281%29%27s.mp4",
    );
  });
});
