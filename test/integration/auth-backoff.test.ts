// Guessing is throttled: wrong passwords on /v3/auth/tokens and wrong signatures back off
// per user / access key and per client address with 429 APIGW.0308 (logged), during which
// even the right credential is refused; an unknown access key gets the very answer a wrong
// signature gets; UNSIGNED-PAYLOAD does not pass on a JSON body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshPGlite } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const tokenBody = (password: string) => ({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: 'alice', password, domain: { name: 'acme' } } },
    },
    scope: { project: { name: 'cn-north-4' } },
  },
});

describe('authentication backoff', () => {
  let p: TestPlatform;
  before(async () => {
    const db = await freshPGlite();
    p = await startTestPlatform(
      { name: 'pglite', open: async () => ({ database: db, cleanup: () => db.close() }) },
      { runJobs: false, env: { DOPPEL_AUTH_FAILURES: '3' } },
    );
    await p.deps.accounts.createProject({ name: 'cn-north-4', domainName: 'acme' });
    await p.deps.accounts.createUser({
      domainName: 'acme',
      name: 'alice',
      password: 'correct horse battery',
    });
  });
  after(async () => {
    await p?.close();
  });

  const token = (password: string, ip = '203.0.113.7') =>
    p.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: tokenBody(password),
      remoteAddress: ip,
    });

  it('wrong passwords back off with 429 APIGW.0308, and the right one is refused meanwhile', async () => {
    assert.equal((await token('correct horse battery')).statusCode, 201);
    for (let i = 0; i < 3; i++) assert.equal((await token('wrong')).statusCode, 401);
    const fourth = await token('wrong');
    assert.equal(fourth.statusCode, 401, 'the failure that starts the backoff is still answered');
    const blocked = await token('correct horse battery');
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().error_code, 'APIGW.0308');
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    // The block is on the user, not only on the address.
    assert.equal((await token('correct horse battery', '198.51.100.9')).statusCode, 429);
  });

  it('wrong signatures back off per access key', async () => {
    const wrongKey = { ...p.other, sk: 'x'.repeat(40) };
    for (let i = 0; i < 4; i++) {
      const r = await p.call('GET', '/v1/{project_id}/digital-assets', { as: wrongKey });
      assert.equal(r.status, 401, JSON.stringify(r.body));
    }
    const blocked = await p.call('GET', '/v1/{project_id}/digital-assets', { as: p.other });
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error_code, 'APIGW.0308');
    // Another tenant's key is not affected (inject comes from one address, under its own larger limit).
    assert.equal((await p.call('GET', '/v1/{project_id}/digital-assets')).status, 200);
  });

  it('an unknown access key gets the same answer as a wrong signature', async () => {
    const unknown = await p.call('GET', '/v1/{project_id}/digital-assets', {
      as: { ...p.tenant, ak: 'NOSUCHKEY00000000000' },
    });
    const wrong = await p.call('GET', '/v1/{project_id}/digital-assets', {
      as: { ...p.tenant, sk: 'y'.repeat(40) },
    });
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.body, wrong.body);
  });

  it('UNSIGNED-PAYLOAD on a JSON body is refused', async () => {
    const r = await p.call('POST', '/v1/{project_id}/digital-assets', {
      body: { asset_name: 'n', asset_type: 'IMAGE' },
      headers: { 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    assert.equal(r.status, 401);
    assert.match(r.body.error_msg, /UNSIGNED-PAYLOAD is accepted only for non-JSON bodies/);
  });
});
