import assert from 'node:assert/strict';
import fs from 'node:fs';
import { stringify as qsStringify } from 'node:querystring';
import { describe, it } from 'node:test';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import {
  canonicalQuery,
  canonicalRequestFromWire,
  canonicalUri,
  formatSdkDate,
  parseAuthorization,
  parseRawQuery,
  parseSdkDate,
  sdkEncode,
  signature,
  signRequest,
  stringToSign,
  verifyAkSk,
  type WireRequest,
} from '../../src/core/auth/aksk.ts';
import { AppError } from '../../src/core/errors/index.ts';
import { buildSignedRequest, clientSign } from '../helpers/signer.ts';

interface Vector {
  wire: { method: string; url: string; body: string; signed_headers_sent: Record<string, string> };
  canonical_request: string;
  string_to_sign: string;
}
const file = JSON.parse(
  fs.readFileSync(new URL('../../contract/aksk-test-vector.json', import.meta.url), 'utf8'),
);
const {
  ak: AK,
  sk: SK,
  project_id: PROJECT,
} = file.credentials as { ak: string; sk: string; project_id: string };
const FIXED = new Date(file.fixed_time_utc as string);
const vectors = file.vectors as Record<string, Vector>;

const lookup = async (ak: string) => (ak === AK ? { sk: SK, projectId: PROJECT } : null);

/** A vector as the server receives it: lowercase headers, raw path and query, body bytes. */
function wireOf(v: Vector): WireRequest {
  const u = new URL(v.wire.url);
  const headers: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.wire.signed_headers_sent)) headers[k.toLowerCase()] = val;
  return {
    method: v.wire.method,
    rawPath: u.pathname,
    rawQuery: u.search.slice(1),
    headers,
    body: Buffer.from(v.wire.body),
  };
}

const verify = (req: WireRequest, now = FIXED) => verifyAkSk({ ...req, now, lookupSecret: lookup });

/** Asserts a 401 APIGW.0301 whose message matches, and that it leaks no secret. */
async function rejects(p: Promise<unknown>, message: RegExp, secrets: string[] = []): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, `expected an AppError, got ${e}`);
    assert.equal(e.status, 401);
    assert.equal(e.code, 'APIGW.0301');
    assert.match(e.message, message);
    for (const s of [SK, ...secrets]) assert.ok(!e.message.includes(s), 'the error leaks a secret');
    return true;
  });
}

describe('AK/SK: the official vectors, from the wire', () => {
  for (const [name, v] of Object.entries(vectors)) {
    it(`${name}: canonical request, string to sign, signature`, () => {
      const req = wireOf(v);
      const auth = parseAuthorization(req.headers.authorization as string);
      const cr = canonicalRequestFromWire(req, auth);
      assert.equal(cr, v.canonical_request);
      const sts = stringToSign(req.headers['x-sdk-date'] as string, cr);
      assert.equal(sts, v.string_to_sign);
      assert.equal(signature(SK, sts), auth.signature);
    });

    it(`${name}: verifies at the fixed time`, async () => {
      assert.deepEqual(await verify(wireOf(v)), { accessKey: AK, projectId: PROJECT });
    });
  }
});

describe('AK/SK: failures', () => {
  const post = () => wireOf(vectors.post_json_body!);
  const get = () => wireOf(vectors.get_with_query!);
  const expectedSig = (req: WireRequest) => parseAuthorization(req.headers.authorization as string).signature;

  it('rejects a tampered body', async () => {
    const req = post();
    req.body = Buffer.from(req.body.toString().replace('demo', 'dem0'));
    await rejects(verify(req), /verify aksk signature fail/);
  });

  it('rejects a tampered query', async () => {
    const req = get();
    req.rawQuery = req.rawQuery.replace('limit=10', 'limit=11');
    await rejects(verify(req), /verify aksk signature fail/);
  });

  it('rejects a tampered path and a tampered signed header', async () => {
    const a = post();
    a.rawPath = a.rawPath.replace('digital-assets', 'digital-asset');
    await rejects(verify(a), /signature fail/);
    const b = post();
    (b.headers as Record<string, string>)['x-app-userid'] = 'user-002';
    await rejects(verify(b), /signature fail/);
  });

  it('ignores headers that were not signed', async () => {
    const req = post();
    Object.assign(req.headers, { 'user-agent': 'huaweicloud-usdk-nodejs/3.0', accept: 'application/json' });
    assert.equal((await verify(req)).accessKey, AK);
  });

  it('rejects a signature made with another SK, without echoing the expected one', async () => {
    const req = post();
    const other = signRequest({
      method: 'POST',
      rawPath: req.rawPath,
      headers: Object.fromEntries(
        Object.entries(req.headers as Record<string, string>).filter(([k]) => k !== 'authorization'),
      ),
      body: req.body as Buffer,
      ak: AK,
      sk: 'WrongSecretKey0123456789abcdefghijklmnopq',
    });
    (req.headers as Record<string, string>).authorization = other.headers.authorization!;
    await rejects(verify(req), /verify aksk signature fail/, [expectedSig(post())]);
  });

  it('allows ±15 minutes of clock skew and no more', async () => {
    const min = 60_000;
    for (const d of [-15, -14, 14, 15]) {
      assert.equal((await verify(post(), new Date(FIXED.getTime() + d * min))).accessKey, AK);
    }
    await rejects(verify(post(), new Date(FIXED.getTime() + 16 * min)), /behind the server time.*15 minutes/);
    await rejects(
      verify(post(), new Date(FIXED.getTime() - 16 * min)),
      /ahead of the server time.*15 minutes/,
    );
  });

  it('rejects an unknown access key', async () => {
    const req = post();
    (req.headers as Record<string, string>).authorization = (req.headers.authorization as string).replace(
      AK,
      'UNKNOWNAK00000000000',
    );
    // The same answer as a wrong signature: the reply does not say whether a key exists.
    await rejects(verify(req), /access key is unknown or the signature does not match/, ['UNKNOWNAK']);
  });

  it('rejects malformed Authorization headers', async () => {
    const base = post().headers.authorization as string;
    const cases: Array<[string, RegExp]> = [
      ['Bearer abc', /unsupported algorithm 'Bearer'/],
      ['SDK-HMAC-SHA256', /expected 'SDK-HMAC-SHA256 Access=/],
      [base.replace('SDK-HMAC-SHA256', 'SDK-HMAC-SHA1'), /unsupported algorithm/],
      [base.replace(/, Signature=[0-9a-f]+/, ''), /Signature is missing/],
      [base.replace(/Signature=[0-9a-f]+/, 'Signature=xyz'), /64 hex characters/],
      [base.replace(/Access=\w+, /, ''), /Access is missing/],
      [base.replace('SignedHeaders=content-type', 'SignedHeaders=Content-Type'), /lowercase header names/],
      [`${base}, Access=X`, /Access appears twice/],
      [
        base.replace(', SignedHeaders', ' SignedHeaders'),
        /Access is missing|not name=value|SignedHeaders is missing/,
      ],
    ];
    for (const [value, message] of cases) {
      const req = post();
      (req.headers as Record<string, string>).authorization = value;
      await rejects(verify(req), message);
    }
    const none = post();
    delete (none.headers as Record<string, string>).authorization;
    await rejects(verify(none), /Authorization header is missing/);
  });

  it('requires a well-formed, signed X-Sdk-Date', async () => {
    const a = post();
    delete (a.headers as Record<string, string>)['x-sdk-date'];
    await rejects(verify(a), /signed header 'x-sdk-date' is absent/);
    const b = post();
    (b.headers as Record<string, string>)['x-sdk-date'] = '2024-01-15T08:30:00Z';
    await rejects(verify(b), /not in the form YYYYMMDDTHHmmssZ/);
    const c = post();
    (c.headers as Record<string, string>).authorization = (c.headers.authorization as string).replace(
      ';x-sdk-date',
      '',
    );
    await rejects(verify(c), /x-sdk-date must be one of the SignedHeaders/);
  });

  it('requires host among the SignedHeaders, and SignedHeaders=x-sdk-date alone is refused', async () => {
    const a = post();
    (a.headers as Record<string, string>).authorization = (a.headers.authorization as string).replace(
      'host;',
      '',
    );
    await rejects(verify(a), /host must be one of the SignedHeaders/);
    const b = post();
    (b.headers as Record<string, string>).authorization = (b.headers.authorization as string).replace(
      /SignedHeaders=[^,]+/,
      'SignedHeaders=x-sdk-date',
    );
    await rejects(verify(b), /host must be one of the SignedHeaders/);
  });

  it('rejects a request that lacks a header it says it signed', async () => {
    const req = post();
    delete (req.headers as Record<string, string>)['x-app-userid'];
    await rejects(verify(req), /signed header 'x-app-userid' is absent/);
  });
});

describe('AK/SK: payload variants', () => {
  const base = {
    rawPath: `/v1/${PROJECT}/files`,
    ak: AK,
    sk: SK,
    now: FIXED,
  };

  it('UNSIGNED-PAYLOAD leaves the body out of the signature', async () => {
    const s = signRequest({
      ...base,
      method: 'PUT',
      headers: {
        host: 'localhost',
        'content-type': 'multipart/form-data; boundary=x',
        'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      body: 'one body',
    });
    assert.match(s.canonicalRequest, /\nUNSIGNED-PAYLOAD$/);
    const req = {
      method: 'PUT',
      rawPath: base.rawPath,
      rawQuery: '',
      headers: s.headers,
      body: Buffer.from('another'),
    };
    assert.equal((await verify(req)).accessKey, AK);
  });

  it('UNSIGNED-PAYLOAD is refused for a JSON body (the SDKs sign JSON bodies)', async () => {
    for (const contentType of ['application/json', 'application/json;charset=utf-8', undefined]) {
      const headers: Record<string, string> = {
        host: 'localhost',
        'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD',
      };
      if (contentType) headers['content-type'] = contentType;
      const s = signRequest({ ...base, method: 'POST', headers, body: '{"a":1}' });
      const req = {
        method: 'POST',
        rawPath: base.rawPath,
        rawQuery: '',
        headers: s.headers,
        body: Buffer.from('{"a":2}'),
      };
      await rejects(verify(req), /UNSIGNED-PAYLOAD is accepted only for non-JSON bodies/);
    }
  });

  it('a declared X-Sdk-Content-Sha256 must match the body', async () => {
    const body = Buffer.from('{"a":1}');
    const hash = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    const s = signRequest({
      ...base,
      method: 'POST',
      headers: { host: 'localhost', 'x-sdk-content-sha256': hash },
      body,
    });
    const ok = { method: 'POST', rawPath: base.rawPath, rawQuery: '', headers: s.headers, body };
    assert.equal((await verify(ok)).accessKey, AK);
    await rejects(verify({ ...ok, body: Buffer.from('{"a":2}') }), /X-Sdk-Content-Sha256 does not match/);
  });

  it('a GET signed over {} still verifies when a proxy dropped the body', async () => {
    const req = wireOf(vectors.get_with_query!);
    req.body = Buffer.alloc(0);
    assert.equal((await verify(req)).accessKey, AK);
  });

  it('DELETE with no body is signed over the empty string', async () => {
    const s = signRequest({ ...base, method: 'DELETE', headers: { host: 'localhost' } });
    assert.match(s.canonicalRequest, /\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855$/);
    const req = {
      method: 'DELETE',
      rawPath: base.rawPath,
      rawQuery: '',
      headers: s.headers,
      body: Buffer.alloc(0),
    };
    assert.equal((await verify(req)).accessKey, AK);
  });
});

describe('AK/SK: canonical pieces', () => {
  it('encodes with the RFC 3986 unreserved set, UTF-8, uppercase hex', () => {
    assert.equal(
      sdkEncode("AZaz09-_.~ !'()*,;/+=&%é中😀"),
      'AZaz09-_.~%20%21%27%28%29%2A%2C%3B%2F%2B%3D%26%25%C3%A9%E4%B8%AD%F0%9F%98%80',
    );
  });

  it('always ends the canonical URI with /', () => {
    assert.equal(canonicalUri('/v1/p/digital-assets'), '/v1/p/digital-assets/');
    assert.equal(canonicalUri('/v1/p/digital-assets/'), '/v1/p/digital-assets/');
    assert.equal(canonicalUri('/v1/p/a%20b/%E4%B8%AD'), '/v1/p/a%20b/%E4%B8%AD/');
    assert.equal(canonicalUri('/v1/p/a%20b', 'sdk-raw'), '/v1/p/a%2520b/');
    assert.equal(canonicalUri('/v1/p/%E4%B8%AD%20x', 'sdk-raw'), '/v1/p/%25E4%25B8%25AD%2520x/');
    assert.equal(canonicalUri("/v1/p/%E4%B8%AD%20x'", 'sdk'), '/v1/p/%E4%B8%AD%2520x%2527/');
  });

  it('sorts keys and repeated values, and decodes + as a space', () => {
    const q = parseRawQuery('b=2&a=z&a=y&c&d=a+b&e=%E4%B8%AD%2C');
    assert.deepEqual(
      [...q.entries()],
      [
        ['b', ['2']],
        ['a', ['z', 'y']],
        ['c', ['']],
        ['d', ['a b']],
        ['e', ['中,']],
      ],
    );
    assert.equal(canonicalQuery(q), 'a=y&a=z&b=2&c=&d=a%20b&e=%E4%B8%AD%2C');
    assert.equal(canonicalQuery(new Map()), '');
    assert.equal(canonicalQuery({ limit: 10, tags: ['b', 'a'] }), 'limit=10&tags=a&tags=b');
  });

  it('formats and parses X-Sdk-Date strictly', () => {
    assert.equal(formatSdkDate(FIXED), '20240115T083000Z');
    assert.equal(parseSdkDate('20240115T083000Z')?.getTime(), FIXED.getTime());
    for (const bad of [
      '20241315T083000Z',
      '20240115T253000Z',
      '20240115T083000',
      '2024-01-15T08:30:00Z',
      '',
    ]) {
      assert.equal(parseSdkDate(bad), undefined, bad);
    }
  });

  it('signRequest reproduces the official POST vector', () => {
    const v = vectors.post_json_body!;
    const u = new URL(v.wire.url);
    const headers = Object.fromEntries(
      Object.entries(v.wire.signed_headers_sent).filter(([k]) => k.toLowerCase() !== 'authorization'),
    );
    const s = signRequest({
      method: 'POST',
      rawPath: u.pathname,
      headers,
      body: v.wire.body,
      ak: AK,
      sk: SK,
    });
    assert.equal(s.canonicalRequest, v.canonical_request);
    assert.equal(s.headers.authorization, v.wire.signed_headers_sent.Authorization);
  });
});

// The test helper is a separate implementation; both must agree with each other and the vectors.
describe('AK/SK: the independent test signer', () => {
  it('reproduces the official vectors', () => {
    for (const v of Object.values(vectors)) {
      const headers = Object.fromEntries(
        Object.entries(v.wire.signed_headers_sent).filter(([k]) => k.toLowerCase() !== 'authorization'),
      );
      const s = clientSign({
        method: v.wire.method,
        url: v.wire.url,
        headers,
        body: v.wire.body,
        ak: AK,
        sk: SK,
      });
      assert.equal(s.canonicalRequest, v.canonical_request);
      assert.equal(s.headers.authorization, v.wire.signed_headers_sent.Authorization);
    }
  });

  const urls = [
    `https://metastudio.example.com/v1/${PROJECT}/digital-assets?limit=10&asset_type=VIDEO%2CIMAGE&name=a%20b&tag=z&tag=a&tag=%E4%B8%AD%E6%96%87`,
    `http://127.0.0.1:8080/v1/${PROJECT}/files/a%20b/%E4%B8%AD/(x)?q=a+b&empty=`,
    `http://localhost/v1/${PROJECT}/digital-assets`,
  ];
  for (const url of urls) {
    for (const method of ['GET', 'POST', 'DELETE']) {
      it(`its requests verify: ${method} ${url.slice(0, 60)}…`, async () => {
        const r = buildSignedRequest(url, {
          method,
          body: method === 'POST' ? { name: '中文 name', n: 1 } : undefined,
          ak: AK,
          sk: SK,
          projectId: PROJECT,
          headers: { 'X-App-UserId': 'user-001' },
          date: FIXED,
        });
        const req = {
          method: r.method,
          rawPath: r.url.pathname,
          rawQuery: r.url.search.slice(1),
          headers: r.headers,
          body: r.body,
        };
        assert.equal((await verify(req)).projectId, PROJECT);
      });
    }
  }
});

// The SDK core's own signer class, run on a request object the way BaseCredentials hands it
// over; the wire form is derived as DefaultHttpClient/axios produce it (querystring.stringify
// for the query, WHATWG URL for the path, JSON.stringify for the body). The real HTTP round
// trip through HcClient is in test/integration/auth-sdk-wire.test.ts.
describe('AK/SK: the official SDK signer', () => {
  const sign = (req: {
    method: string;
    endpoint: string;
    queryParams?: Record<string, unknown>;
    headers?: Record<string, string>;
    data?: unknown;
  }): WireRequest => {
    const request = {
      method: req.method,
      endpoint: req.endpoint,
      queryParams: req.queryParams ?? {},
      headers: {
        'content-type': 'application/json',
        'X-Project-Id': PROJECT,
        ...(req.headers ?? {}),
      } as Record<string, string>,
      data: req.data,
    };
    const signed = AKSKSigner.sign(request as never, { getAk: () => AK, getSk: () => SK } as never) as Record<
      string,
      string
    >;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed)) headers[k.toLowerCase()] = String(v);
    const u = new URL(req.endpoint);
    const body = req.data === undefined ? '' : JSON.stringify(req.data);
    return {
      method: req.method,
      rawPath: u.pathname,
      rawQuery: qsStringify(request.queryParams as never),
      headers,
      body: Buffer.from(body),
    };
  };
  const now = () => new Date();
  const host = 'https://metastudio.cn-north-4.myhuaweicloud.com';

  it('GET with repeated keys, spaces, commas and non-ASCII in the query', async () => {
    const req = sign({
      method: 'GET',
      endpoint: `${host}/v1/${PROJECT}/digital-assets`,
      queryParams: {
        limit: 10,
        offset: 0,
        asset_type: 'VIDEO,IMAGE',
        name: 'a b',
        tag: ['zeta', 'alpha beta', '中文', 'x,y'],
        "odd!'()*": "v!'()*~",
      },
      data: {},
    });
    // (The SDK sorts the array in place while signing, so the wire order is sorted too.)
    assert.match(req.rawQuery, /tag=[^&]+&tag=[^&]+&tag=[^&]+&tag=/);
    assert.equal((await verify(req, now())).accessKey, AK);
  });

  it('POST with a JSON body and an API-layer header', async () => {
    const req = sign({
      method: 'POST',
      endpoint: `${host}/v1/${PROJECT}/digital-assets`,
      headers: { 'X-App-UserId': 'user-001' },
      data: { asset_name: '演示', asset_type: 'VIDEO' },
    });
    assert.equal((await verify(req, now())).accessKey, AK);
  });

  it('paths with percent-encoded, reserved and non-ASCII characters', async () => {
    for (const path of [
      `/v1/${PROJECT}/files/a%20b`,
      `/v1/${PROJECT}/files/a%2Fb%3F`,
      `/v1/${PROJECT}/files/中文`,
      `/v1/${PROJECT}/files/(x)!*;+,=@`,
      `/v1/${PROJECT}/files/it's a b`,
      `/v1/${PROJECT}/files/中 文's`,
      `/v1/${PROJECT}/files/%E4%B8%AD`,
    ]) {
      const req = sign({ method: 'DELETE', endpoint: `${host}${path}` });
      assert.equal((await verify(req, now())).accessKey, AK, path);
    }
  });

  it('UNSIGNED-PAYLOAD as BaseCredentials sets it for non-JSON bodies', async () => {
    const req = sign({
      method: 'PUT',
      endpoint: `${host}/v1/${PROJECT}/files`,
      headers: { 'content-type': 'application/octet-stream', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
    });
    req.body = Buffer.from('binary bytes the SDK did not hash');
    assert.equal((await verify(req, now())).accessKey, AK);
  });
});
