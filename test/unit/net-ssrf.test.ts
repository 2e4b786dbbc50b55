// The SSRF guard (core/net): which addresses server-side fetches may reach, the connect-time
// check inside safeFetch, and the MSS_A callback signer against SEMANTICS §1.3's vector.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mssSecret, signCallback, verifyMssSecret } from '../../src/core/net/mss-auth.ts';
import { BlockedAddressError, safeFetch } from '../../src/core/net/safe-fetch.ts';
import { blockedReason, checkUrlShape } from '../../src/core/net/ssrf.ts';

describe('SSRF guard: blockedReason', () => {
  it('refuses loopback, private, link-local/metadata, CGNAT, multicast and unspecified IPv4', () => {
    for (const ip of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.5',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
    ]) {
      assert.ok(blockedReason(ip), ip);
    }
  });

  it('refuses IPv6 loopback, ULA, link-local and IPv4-mapped private addresses', () => {
    for (const ip of [
      '::1',
      '::',
      'fd00::1',
      'fc12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.1.2.3',
      '64:ff9b::a9fe:a9fe',
    ]) {
      assert.ok(blockedReason(ip), ip);
    }
  });

  it('lets public addresses through', () => {
    for (const ip of [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '192.169.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(blockedReason(ip), undefined, ip);
    }
  });

  it('only http(s) URLs without credentials', () => {
    assert.throws(() => checkUrlShape('file:///etc/passwd'), BlockedAddressError);
    assert.throws(() => checkUrlShape('http://user:pw@example.com/'), BlockedAddressError);
    assert.throws(() => checkUrlShape('not a url'), BlockedAddressError);
    assert.equal(checkUrlShape('https://example.com/cb').hostname, 'example.com');
  });
});

describe('safeFetch', () => {
  let server: http.Server;
  let port = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/ok` });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('refuses 127.0.0.1 and localhost when private fetches are not allowed', async () => {
    await assert.rejects(
      safeFetch(`http://127.0.0.1:${port}/ok`, { allowPrivate: false }),
      BlockedAddressError,
    );
    await assert.rejects(
      safeFetch(`http://localhost:${port}/ok`, { allowPrivate: false }),
      BlockedAddressError,
    );
    await assert.rejects(safeFetch(`http://[::1]:${port}/ok`, { allowPrivate: false }), BlockedAddressError);
  });

  it('reaches 127.0.0.1 when allowed, and follows redirects only as far as allowed', async () => {
    const res = await safeFetch(`http://127.0.0.1:${port}/ok`, { allowPrivate: true });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok');
    const via = await safeFetch(`http://127.0.0.1:${port}/redirect`, { allowPrivate: true });
    assert.equal(via.status, 200);
    await assert.rejects(
      safeFetch(`http://127.0.0.1:${port}/redirect`, { allowPrivate: true, maxRedirects: 0 }),
      BlockedAddressError,
    );
  });
});

describe('MSS_A callback signature (SEMANTICS §1.3)', () => {
  it("matches the documentation's test vector", () => {
    const { secret, timeStamp } = mssSecret(
      'huawei_metaStudio',
      'https://metastudio-llm/digital-human/chat',
      1744612873350,
    );
    assert.match(secret, /^a02fc321[0-9a-f]{52}793e$/);
    assert.equal(secret, 'a02fc32111795dc6f760e6bd15bb0cbc9a35921dc5dc86e57eea56ae644d793e');
    assert.equal(timeStamp, '1963307d486');
  });

  it('MSS_A puts secret and time_stamp in the query, MSS_A_HEAD in headers, NONE sends neither', () => {
    const url = 'https://example.com/cb?x=1';
    const a = signCallback(url, { type: 'MSS_A', key: 'k' }, 1744612873350);
    const q = new URL(a.url).searchParams;
    assert.equal(q.get('x'), '1');
    assert.equal(q.get('time_stamp'), '1963307d486');
    assert.ok(
      verifyMssSecret('k', url, { secret: q.get('secret') ?? '', timeStamp: q.get('time_stamp') ?? '' }),
    );
    const h = signCallback(url, { type: 'MSS_A_HEAD', key: 'k' }, 1744612873350);
    assert.equal(h.url, url);
    assert.equal(h.headers['x-hw-mss-time'], '1963307d486');
    assert.equal(h.headers['x-hw-mss-secret'], q.get('secret'));
    assert.deepEqual(signCallback(url, { type: 'NONE' }, 1), { url, headers: {} });
  });
});
