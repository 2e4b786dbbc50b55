// The whole product as a user meets it: `doppel serve` on an empty data dir, driven over
// real sockets with requests signed by the test's own signer (test/helpers/signer.ts,
// written independently of src/core/auth), and the CLI used beside the running server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  type Banner,
  runCli,
  type ServerProcess,
  startServer,
  tempDataDir,
} from '../helpers/server-process.ts';
import { signedFetch } from '../helpers/signer.ts';

const HEX32 = /^[0-9a-f]{32}$/;

// The probe: ListAssets, a signed GET every tenant may call (every operation has a handler
// now, so no 501 is left to probe with); a new project has no assets of its own.
const probePath = '/v1/{project_id}/digital-assets';

describe('doppel serve, end to end', { timeout: 180_000 }, () => {
  const dataDir = tempDataDir();
  const env = { DOPPEL_DATA_DIR: dataDir };
  let server: ServerProcess;
  let cred: Banner;
  const path = (p: string, projectId = cred.projectId) =>
    `${server.url}${p.replace('{project_id}', projectId)}`;

  before(async () => {
    server = await startServer({ dataDir });
    assert.ok(server.banner, `no credential banner on first start:\n${server.output()}`);
    cred = server.banner;
  });
  after(async () => {
    await server?.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the default credential once and keeps an owner-only copy', () => {
    assert.match(cred.projectId, HEX32);
    const file = `${dataDir}/default-credential.json`;
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), {
      ak: cred.ak,
      sk: cred.sk,
      project_id: cred.projectId,
    });
    // The secret goes to the terminal banner only, never into a log record.
    const logLines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(logLines.length > 0);
    assert.ok(!logLines.some((l) => l.includes(cred.sk)), 'the secret key appeared in a log line');
  });

  it('answers /health and /ready', async () => {
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    assert.equal((await fetch(`${server.url}/ready`)).status, 200);
  });

  it('a correctly signed request reaches the operation (ListAssets answers)', async () => {
    const res = await signedFetch(path(probePath), { ...cred, projectId: cred.projectId });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.count, 0);
    assert.deepEqual(body.assets, []);
    assert.match(res.headers.get('x-request-id') ?? '', HEX32);
  });

  it('a wrong secret is 401 APIGW.0301', async () => {
    const res = await signedFetch(path(probePath), { ak: cred.ak, sk: `${cred.sk}x` });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error_code, 'APIGW.0301');
    assert.match(res.headers.get('x-request-id') ?? '', HEX32);
  });

  it('an unsigned request is 401 APIGW.0301', async () => {
    const res = await fetch(path(probePath));
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error_code, 'APIGW.0301');
  });

  it('an unknown route is 404 APIGW.0101', async () => {
    const res = await signedFetch(path('/v1/{project_id}/no-such-thing'), cred);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error_code, 'APIGW.0101');
  });

  it('another project in the path is 400 MSS.00010009', async () => {
    const other = runCli(['projects', 'create', '--name', 'other', '--json'], env);
    assert.equal(other.status, 0, other.stderr);
    const otherId = JSON.parse(other.stdout).id as string;
    const res = await signedFetch(path(probePath, otherId), cred);
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error_code, 'MSS.00010009');
  });

  it('an invalid body is 400 naming the field', async () => {
    const res = await signedFetch(path('/v1/{project_id}/digital-assets'), {
      ...cred,
      method: 'POST',
      body: { asset_type: 'IMAGE' },
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error_code, 'MSS.00000003');
    assert.match(body.error_msg, /asset_name/);
  });

  it('a burst over the operation limit is 429 APIGW.0308', async () => {
    // BatchExecuteAssetAction allows 1 request per second per tenant in cn-north-4.
    const burst = await Promise.all(
      Array.from({ length: 6 }, () =>
        signedFetch(path('/v1/{project_id}/digital-assets/batch-action'), {
          ...cred,
          method: 'POST',
          body: { action: 'DELETE', asset_ids: ['0'.repeat(32)] },
        }).then(async (r) => ({
          status: r.status,
          body: await r.json(),
          retry: r.headers.get('retry-after'),
        })),
      ),
    );
    const throttled = burst.filter((r) => r.status === 429);
    assert.ok(throttled.length >= 4, JSON.stringify(burst.map((r) => r.status)));
    assert.ok(
      burst.some((r) => r.status !== 429),
      'the first request within the limit must pass',
    );
    for (const r of throttled) {
      assert.equal(r.body.error_code, 'APIGW.0308');
      assert.ok(Number(r.retry) >= 1);
    }
  });

  it('IAM: a user made with the CLI gets a token that works as X-Auth-Token', async () => {
    const made = runCli(
      ['users', 'create', '--domain', 'doppel', '--name', 'alice', '--password', 'pw-alice-1'],
      env,
    );
    assert.equal(made.status, 0, made.stderr);
    const res = await fetch(`${server.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'alice', password: 'pw-alice-1', domain: { name: 'doppel' } } },
          },
          scope: { project: { name: 'cn-north-4' } },
        },
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const token = res.headers.get('x-subject-token');
    assert.ok(token);
    assert.equal((await res.json()).token.project.id, cred.projectId);

    const ok = await fetch(path(probePath), { headers: { 'x-auth-token': token } });
    assert.equal(ok.status, 200);
    const bad = await fetch(path(probePath), { headers: { 'x-auth-token': `${token}x` } });
    assert.equal(bad.status, 401);
  });

  it('credentials create --json works while the server runs, and the key signs at once', async () => {
    const r = runCli(['credentials', 'create', '--project', cred.projectId, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const made = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(made).sort(), ['ak', 'project_id', 'sk']);
    assert.equal(made.project_id, cred.projectId);
    const res = await signedFetch(path(probePath), { ak: made.ak, sk: made.sk });
    assert.equal(res.status, 200);

    const listed = runCli(['credentials', 'list', '--json'], env);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(made.sk), 'list must never show a secret');
    assert.ok(JSON.parse(listed.stdout).some((c: { ak: string }) => c.ak === made.ak));
  });

  it('after SIGTERM: the CLI works on the database directly, and a restart keeps every key', async () => {
    assert.equal(await server.stop(), 0, server.output());
    const r = runCli(['credentials', 'create', '--project', cred.projectId, '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const offline = JSON.parse(r.stdout);

    server = await startServer({ dataDir });
    assert.equal(server.banner, undefined, 'the banner is for the first start only');
    for (const c of [cred, offline]) {
      const res = await signedFetch(path(probePath), { ak: c.ak, sk: c.sk });
      assert.equal(res.status, 200);
    }
  });
});
