// The authenticator behind a listening Fastify server that reads bodies the way the main
// app does (src/http/body.ts): the test signer's signedFetch and the official SDK both get
// through, a tampered or foreign request does not.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { type AuthCaller, createAuthenticator } from '../../src/core/auth/authenticate.ts';
import { Errors } from '../../src/core/errors/index.ts';
import { systemClock } from '../../src/core/util/time.ts';
import { admissionHooks } from '../../src/http/bind-operations.ts';
import { registerBodyParsing } from '../../src/http/body.ts';
import { createInFlightBudget } from '../../src/http/body-reader.ts';
import '../../src/http/context.ts';
import { registerErrorHandling } from '../../src/http/error-handler.ts';
import { testGuards } from '../helpers/bare-app.ts';
import { signedFetch } from '../helpers/signer.ts';

const AK = 'TESTAK0123456789ABCD';
const SK = 'TestSecretKey0123456789abcdefghijklmnopqr';
const P1 = '0123456789abcdef0123456789abcdef';
const P2 = 'fedcba9876543210fedcba9876543210';

describe('authentication over HTTP', () => {
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    const authenticate = createAuthenticator({
      mode: 'strict',
      clock: systemClock,
      service: {
        lookupSecret: async (ak) => (ak === AK ? { sk: SK, projectId: P1 } : null),
        markCredentialUsed: async () => {},
        verifyToken: async (tok) => {
          if (tok === 'MIIDtoken') return { projectId: P1, userId: 'u1' };
          throw Errors.authFailed('decrypt token fail');
        },
      },
    });
    app = Fastify();
    registerErrorHandling(app, 1 << 20);
    registerBodyParsing(app);
    const hooks = admissionHooks({
      authenticate,
      throttle: undefined,
      bodyLimit: 1 << 20,
      bodyTimeoutMs: 30_000,
      budgets: { small: createInFlightBudget(1 << 20), large: createInFlightBudget(8 << 20) },
      guards: testGuards(),
    });
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      app.route({
        method,
        url: '/v1/:project_id/things/*',
        ...hooks,
        handler: async (req) => ({ caller: req.caller as AuthCaller, query: req.query }),
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  it('signedFetch: GET (with its {} body), POST and DELETE', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await signedFetch(`${base}/v1/${P1}/things/a%20b/中文?tag=b&tag=a&q=x%2Cy&name=a+b`, {
        method,
        body: method === 'POST' ? { name: '演示' } : undefined,
        ak: AK,
        sk: SK,
        projectId: P1,
        headers: { 'X-App-UserId': 'user-001' },
      });
      assert.equal(res.status, 200, `${method}: ${await res.clone().text()}`);
      const body = await res.json();
      assert.deepEqual(body.caller, { kind: 'aksk', projectId: P1, accessKey: AK });
      assert.deepEqual(body.query, { tag: ['b', 'a'], q: 'x,y', name: 'a b' });
    }
  });

  it('signedFetch: a wrong key, a foreign project, an old date', async () => {
    const wrong = await signedFetch(`${base}/v1/${P1}/things/x`, {
      ak: AK,
      sk: 'x'.repeat(40),
      projectId: P1,
    });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error_code, 'APIGW.0301');
    const foreign = await signedFetch(`${base}/v1/${P2}/things/x`, { ak: AK, sk: SK, projectId: P2 });
    assert.equal(foreign.status, 400);
    assert.equal((await foreign.json()).error_code, 'MSS.00010009');
    const old = await signedFetch(`${base}/v1/${P1}/things/x`, {
      ak: AK,
      sk: SK,
      projectId: P1,
      date: new Date(Date.now() - 20 * 60_000),
    });
    assert.equal(old.status, 401);
    assert.match((await old.json()).error_msg, /15 minutes/);
  });

  it('X-Auth-Token and no credentials', async () => {
    const ok = await fetch(`${base}/v1/${P1}/things/x`, { headers: { 'X-Auth-Token': 'MIIDtoken' } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).caller.kind, 'token');
    const none = await fetch(`${base}/v1/${P1}/things/x`);
    assert.equal(none.status, 401);
    assert.deepEqual(Object.keys(await none.json()), ['error_code', 'error_msg']);
  });

  it('the official SDK, through Fastify', async () => {
    const credentials = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(P1);
    const client = new HcClient(
      new DefaultHttpClient({ headers: { 'User-Agent': 'huaweicloud-usdk-nodejs/3.0' } } as never, [base]),
    )
      .withCredential(credentials)
      .withEndpoints([base]);
    for (const [method, data] of [
      ['GET', {}],
      ['POST', { name: '演示 demo' }],
      ['DELETE', {}],
    ] as const) {
      const res = (await client.sendRequest({
        method,
        url: '/v1/{project_id}/things/{id}',
        contentType: 'application/json',
        pathParams: { id: 'a b' },
        queryParams: { tag: ['b', 'a'], name: 'x y,z' },
        headers: { 'X-App-UserId': 'user-001' },
        data: { ...data },
      })) as unknown as { caller: AuthCaller; httpStatusCode: number };
      assert.equal(res.httpStatusCode, 200, method);
      assert.deepEqual(res.caller, { kind: 'aksk', projectId: P1, accessKey: AK });
    }
  });
});
