// The official SDK core (HcClient + BasicCredentials + axios) sends real requests to a
// loopback server; whatever arrives on the socket must verify. This covers what the unit
// test can only emulate: axios's own path and query encoding, the `{}` GET body, the
// headers it adds after signing.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import { verifyAkSk, type WireRequest } from '../../src/core/auth/aksk.ts';

const AK = 'TESTAK0123456789ABCD';
const SK = 'TestSecretKey0123456789abcdefghijklmnopqr';
const PROJECT = '0123456789abcdef0123456789abcdef';

describe('AK/SK: requests sent by the official SDK verify', () => {
  const received: WireRequest[] = [];
  let server: http.Server;
  let client: HcClient;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        received.push({
          method: req.method ?? 'GET',
          rawPath: q === -1 ? url : url.slice(0, q),
          rawQuery: q === -1 ? '' : url.slice(q + 1),
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': '0'.repeat(32) });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const credentials = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT);
    // What ClientBuilder.build() assembles. ClientBuilder itself is not used: in 3.1.211 it
    // loads http/DefaultUserAgent.js, which requires `uuid`, a package the SDK core does not
    // declare as a dependency (so it is not installed here).
    const httpClient = new DefaultHttpClient(
      { disableSslVerification: true, headers: { 'User-Agent': 'huaweicloud-usdk-nodejs/3.0' } } as never,
      [endpoint],
    );
    client = new HcClient(httpClient).withCredential(credentials).withEndpoints([endpoint]);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function send(options: {
    method: string;
    url: string;
    queryParams?: Record<string, unknown>;
    pathParams?: Record<string, unknown>;
    headers?: Record<string, string>;
    data?: Record<string, unknown>;
    contentType?: string;
  }): Promise<WireRequest> {
    received.length = 0;
    await client.sendRequest({
      contentType: 'application/json',
      queryParams: {},
      pathParams: {},
      headers: {},
      ...options,
    });
    assert.equal(received.length, 1);
    return received[0]!;
  }

  const verify = (req: WireRequest) =>
    verifyAkSk({
      ...req,
      now: new Date(),
      lookupSecret: async (ak) => (ak === AK ? { sk: SK, projectId: PROJECT } : null),
    });

  it('GET with a query of repeated keys, spaces, commas and non-ASCII (and the {} body)', async () => {
    const req = await send({
      method: 'GET',
      url: '/v1/{project_id}/digital-assets',
      queryParams: {
        limit: 10,
        offset: 0,
        asset_type: 'VIDEO,IMAGE',
        name: 'a b+c',
        tag: ['zeta', 'alpha beta', '中文', 'x,y'],
        "odd!'()*": "v!'()*~",
      },
      data: {},
    });
    assert.equal(req.body.toString(), '{}');
    assert.deepEqual(await verify(req), { accessKey: AK, projectId: PROJECT });
  });

  it('POST with a JSON body and X-App-UserId', async () => {
    const req = await send({
      method: 'POST',
      url: '/v1/{project_id}/digital-assets',
      headers: { 'X-App-UserId': 'user-001' },
      data: { asset_name: '演示 demo', asset_type: 'VIDEO' },
    });
    assert.equal((await verify(req)).accessKey, AK);
  });

  it('DELETE without a body', async () => {
    const req = await send({
      method: 'DELETE',
      url: '/v1/{project_id}/digital-assets/{asset_id}',
      pathParams: { asset_id: 'ab12' },
      data: {},
    });
    assert.equal(req.body.length, 0);
    assert.equal((await verify(req)).accessKey, AK);
  });

  for (const id of ['a b', 'a%20b', '中文', '%E4%B8%AD', "it's", "中 文's", '(x)!*;+,=@']) {
    it(`a path parameter ${JSON.stringify(id)}`, async () => {
      const req = await send({
        method: 'GET',
        url: '/v1/{project_id}/digital-assets/{asset_id}',
        pathParams: { asset_id: id },
        data: {},
      });
      assert.equal((await verify(req)).accessKey, AK);
    });
  }

  it('a tampered request from the SDK does not verify', async () => {
    const req = await send({ method: 'POST', url: '/v1/{project_id}/digital-assets', data: { a: 1 } });
    await assert.rejects(verify({ ...req, body: Buffer.from('{"a":2}') }), /verify aksk signature fail/);
  });
});
