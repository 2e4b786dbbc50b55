import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { AccountsService } from '../../src/core/auth/accounts.service.ts';
import { domainId, iamRoutes } from '../../src/core/auth/iam.routes.ts';
import { systemClock } from '../../src/core/util/time.ts';
import { registerBodyParsing } from '../../src/http/body.ts';
import { registerErrorHandling } from '../../src/http/error-handler.ts';
import { testGuards } from '../helpers/bare-app.ts';
import { describeEachDb, type TestDb } from '../helpers/db.ts';

const IAM_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

const tokenRequest = (over: { password?: string; project?: Record<string, string>; user?: string } = {}) => ({
  auth: {
    identity: {
      methods: ['password'],
      password: {
        user: {
          name: over.user ?? 'alice',
          password: over.password ?? 'alice-password',
          domain: { name: 'acme' },
        },
      },
    },
    scope: { project: over.project ?? { name: 'cn-north-4' } },
  },
});

await describeEachDb('IAM POST /v3/auth/tokens', (leg) => {
  let t: TestDb;
  let svc: AccountsService;
  let project: { id: string };
  let foreign: { id: string };
  const apps: FastifyInstance[] = [];

  /** A bare app, or one with the main app's body parsing and error rendering at the root. */
  async function makeApp(opts: { likeMainApp?: boolean; bodyLimit?: number } = {}) {
    const app = Fastify({ bodyLimit: opts.bodyLimit });
    if (opts.likeMainApp) {
      registerErrorHandling(app, opts.bodyLimit ?? 1 << 20);
      registerBodyParsing(app);
    }
    await app.register(iamRoutes(svc, testGuards()));
    await app.ready();
    apps.push(app);
    return app;
  }

  before(async () => {
    t = await leg.open();
    svc = new AccountsService({
      db: t.database.db,
      masterKey: randomBytes(32),
      clock: systemClock,
      passwordCost: { N: 1024, r: 8, p: 1 },
    });
    project = await svc.createProject({ name: 'cn-north-4', domainName: 'acme' });
    foreign = await svc.createProject({ name: 'cn-north-4', domainName: 'other' });
    await svc.createUser({ domainName: 'acme', name: 'alice', password: 'alice-password' });
  });
  after(async () => {
    for (const a of apps) await a.close();
    await t.cleanup();
  });

  for (const likeMainApp of [false, true]) {
    describe(likeMainApp ? 'inside the main app setup' : 'on a bare Fastify app', () => {
      it('answers 201 with X-Subject-Token and an IAM-shaped body', async () => {
        const app = await makeApp({ likeMainApp });
        const res = await app.inject({
          method: 'POST',
          url: '/v3/auth/tokens',
          headers: { 'content-type': 'application/json;charset=utf8' },
          payload: JSON.stringify(tokenRequest()),
        });
        assert.equal(res.statusCode, 201, res.body);
        const token = res.headers['x-subject-token'];
        assert.equal(typeof token, 'string');
        assert.deepEqual(await svc.verifyToken(token as string), {
          projectId: project.id,
          userId: (await svc.listUsers()).find((u) => u.name === 'alice')!.id,
        });
        const body = res.json();
        assert.match(body.token.expires_at, IAM_TIME);
        assert.match(body.token.issued_at, IAM_TIME);
        assert.equal(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at), 24 * 3600 * 1000);
        assert.deepEqual(body.token.methods, ['password']);
        assert.deepEqual(body.token.catalog, []);
        assert.equal(body.token.user.name, 'alice');
        assert.deepEqual(body.token.user.domain, { name: 'acme', id: domainId('acme') });
        assert.deepEqual(body.token.project, {
          id: project.id,
          name: 'cn-north-4',
          domain: { name: 'acme', id: domainId('acme') },
        });
        assert.ok(!res.body.includes(token as string), 'the token travels in the header only');
      });

      it('leaves the catalog out with ?nocatalog=true and scopes by project id', async () => {
        const app = await makeApp({ likeMainApp });
        const res = await app.inject({
          method: 'POST',
          url: '/v3/auth/tokens?nocatalog=true',
          headers: { 'content-type': 'application/json' },
          payload: tokenRequest({ project: { id: project.id } }),
        });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal('catalog' in res.json().token, false);
        assert.equal(res.json().token.project.id, project.id);
      });

      it('answers a wrong password or user the way IAM does', async () => {
        const app = await makeApp({ likeMainApp });
        for (const payload of [tokenRequest({ password: 'nope-nope' }), tokenRequest({ user: 'mallory' })]) {
          const res = await app.inject({ method: 'POST', url: '/v3/auth/tokens', payload });
          assert.equal(res.statusCode, 401);
          assert.equal(res.headers['x-subject-token'], undefined);
          assert.deepEqual(res.json(), {
            error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
          });
        }
      });

      it("refuses a project outside the user's domain with 401", async () => {
        const app = await makeApp({ likeMainApp });
        for (const project of [{ id: foreign.id }, { name: 'ap-southeast-1' }] as Array<
          Record<string, string>
        >) {
          const res = await app.inject({
            method: 'POST',
            url: '/v3/auth/tokens',
            payload: tokenRequest({ project }),
          });
          assert.equal(res.statusCode, 401);
          assert.equal(res.json().error.title, 'Unauthorized');
        }
      });

      it('answers malformed requests with 400', async () => {
        const app = await makeApp({ likeMainApp });
        const bad: Array<[unknown, RegExp]> = [
          ['{not json', /not valid JSON/],
          ['', /not valid JSON/],
          [{}, /'auth' is a required/],
          [{ auth: { identity: { methods: ['token'] } } }, /must include 'password'/],
          [{ auth: { identity: { methods: ['password', 'totp'] } } }, /only 'password' is supported/],
          [
            { auth: { identity: { methods: ['password'], password: { user: { name: 'alice' } } } } },
            /password/,
          ],
          [
            { auth: { ...tokenRequest().auth, scope: { domain: { name: 'acme' } } } },
            /'scope.project' is required/,
          ],
          [{ auth: { ...tokenRequest().auth, scope: { project: {} } } }, /needs an 'id' or a 'name'/],
          [{ auth: { ...tokenRequest().auth, scope: { project: { id: 5 } } } }, /must be strings/],
        ];
        for (const [payload, message] of bad) {
          const res = await app.inject({
            method: 'POST',
            url: '/v3/auth/tokens',
            headers: { 'content-type': 'application/json' },
            payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
          });
          assert.equal(res.statusCode, 400, `${JSON.stringify(payload)} → ${res.body}`);
          const { error } = res.json();
          assert.equal(error.code, 400);
          assert.equal(error.title, 'Bad Request');
          assert.match(error.message, message);
        }
      });
    });
  }

  it('answers 413 in its own format when the body is too large', async () => {
    const app = await makeApp({ bodyLimit: 64 });
    const res = await app.inject({ method: 'POST', url: '/v3/auth/tokens', payload: tokenRequest() });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 413);
  });
});
