// Download URLs end with the access they were issued under (hardening defect 12): a sharee's
// URL stops at UNSHARE, everyone's at a soft delete, and the owner's comes back on restore.
// Also the S3 route that redeems Doppel-signed download URLs by redirect, against a store whose
// service calls are recorded (no S3 service runs here; the redirect target is the store's own
// presign).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { downloadRedirectRoutes } from '../../src/core/object-store/http.ts';
import { S3ObjectStore } from '../../src/core/object-store/s3.ts';
import { insertFileRow } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ASSETS = '/v1/{project_id}/digital-assets';

await describeEachDb('download URLs after revocation', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(() => p.close());

  const makeAsset = async () => {
    const r = await p.call('POST', ASSETS, { body: { asset_name: `dl-${Date.now()}`, asset_type: 'IMAGE' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const id = r.body.asset_id as string;
    await sql`UPDATE assets SET asset_state = 'ACTIVED' WHERE asset_id = ${id}`.execute(p.deps.database.db);
    await insertFileRow(p, p.tenant.projectId, id, {
      name: 'pic.png',
      bytes: Buffer.from('not really a png'),
    });
    return id;
  };
  const urlFor = async (id: string, as = p.tenant) => {
    const r = await p.call('GET', `${ASSETS}/${id}`, { as });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const url = r.body.files?.[0]?.download_url as string | undefined;
    assert.ok(url, 'ShowAsset gives a download_url');
    return url;
  };
  const fetchUrl = async (url: string) => {
    const u = new URL(url);
    const res = await p.app.inject({ method: 'GET', url: `${u.pathname}${u.search}` });
    return { status: res.statusCode, body: res.body, code: res.json?.bind(res) };
  };
  const batch = (action: string, id: string, params?: string) =>
    p.call('POST', `${ASSETS}/batch-action`, {
      body: { action, asset_ids: [id], ...(params && { params }) },
    });

  it('a sharee URL works while shared and answers 403 DOPPEL.1016 after UNSHARE; the owner URL keeps working', async () => {
    const id = await makeAsset();
    await batch('SHARE', id, JSON.stringify({ allowed_project_ids: [p.other.projectId] }));
    const mine = await urlFor(id);
    const theirs = await urlFor(id, p.other);
    assert.match(theirs, /X-Doppel-For=/);
    assert.equal((await fetchUrl(theirs)).status, 200);
    assert.equal((await fetchUrl(theirs)).body, 'not really a png');

    await batch('UNSHARE', id);
    const after = await fetchUrl(theirs);
    assert.equal(after.status, 403);
    assert.equal(JSON.parse(after.body).error_code, 'DOPPEL.1016');
    assert.equal((await fetchUrl(mine)).status, 200);
  });

  it('a soft delete ends every URL, a restore brings the owner URL back', async () => {
    const id = await makeAsset();
    const mine = await urlFor(id);
    assert.equal((await p.call('DELETE', `${ASSETS}/${id}`)).status, 200);
    assert.equal((await fetchUrl(mine)).status, 403);
    assert.equal((await p.call('POST', `${ASSETS}/${id}/restore`)).status, 200);
    assert.equal((await fetchUrl(mine)).status, 200);
  });

  it('a URL cannot be moved to another project: the audience is signed', async () => {
    const id = await makeAsset();
    const mine = await urlFor(id);
    const moved = mine.replace(/X-Doppel-For=[0-9a-f]+/, `X-Doppel-For=${p.other.projectId}`);
    assert.notEqual(moved, mine);
    assert.equal((await fetchUrl(moved)).status, 403);
  });
});

describe('S3 download URLs redeemed through Doppel', () => {
  const signingKey = Buffer.alloc(32, 7);
  const requests: string[] = [];
  const store = new S3ObjectStore({
    endpoint: 'http://s3.invalid:9000',
    region: 'us-east-1',
    bucket: 'b',
    accessKeyId: 'AK',
    secretAccessKey: 'SK',
    forcePathStyle: true,
    maxObjectBytes: 1024,
    downloads: { publicUrl: 'http://doppel.test', signingKey },
    // HEAD answers for every key; nothing else is asked of the service.
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      requests.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return new Response(null, {
        status: 200,
        headers: {
          'content-length': '5',
          'content-type': 'image/png',
          etag: '"abc"',
          'last-modified': new Date().toUTCString(),
        },
      });
    }) as typeof fetch,
  });
  let allowed = true;
  const app = Fastify();
  before(async () => {
    await app.register(downloadRedirectRoutes(store, async () => allowed));
  });
  after(() => app.close());

  it('redirects to a one-minute service URL while the gate admits, and refuses after', async () => {
    const url = new URL(await store.presignGet('assets/p/a/f/pic.png', { expiresInSec: 600, audience: 'p' }));
    assert.equal(url.origin, 'http://doppel.test');
    const ok = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    assert.equal(ok.statusCode, 302);
    const target = new URL(String(ok.headers.location));
    assert.equal(target.host, 's3.invalid:9000');
    assert.equal(target.searchParams.get('X-Amz-Expires'), '60');
    allowed = false;
    const no = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    assert.equal(no.statusCode, 403);
    const forged = await app.inject({
      method: 'GET',
      url: `${url.pathname}${url.search.replace('For=p', 'For=q')}`,
    });
    assert.equal(forged.statusCode, 403);
  });
});
