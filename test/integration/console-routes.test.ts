// The console's routes: `/`, `/console`, `/console/*` and `/openapi.json` answer without a
// signature, nothing outside console/ can be read through them, and every MetaStudio route
// still demands one. (Routes only: the database leg does not matter, PGlite is used.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consoleFile } from '../../src/http/console-routes.ts';
import { IMPLEMENTED_OPERATIONS } from '../../src/modules/index.ts';
import { dbLegs } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('Console routes (/, /console/*, /openapi.json)', () => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform((await dbLegs())[0]!);
  });
  after(async () => p?.close());
  const get = (url: string) => p.app.inject({ method: 'GET', url });

  it('serves the sign-in page at / and /console, and the static files, unsigned', async () => {
    for (const url of ['/', '/console', '/console/', '/console/index.html']) {
      const r = await get(url);
      assert.equal(r.statusCode, 200, url);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.match(r.body, /<script type="module" src="\/console\/js\/app.js">/);
      assert.match(String(r.headers['content-security-policy']), /script-src 'self'/);
    }
    const js = await get('/console/js/api.js');
    assert.equal(js.statusCode, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(js.body, /SDK-HMAC-SHA256/);
  });

  it('reads nothing outside console/, no hidden files, and answers unknown paths with APIGW.0101', async () => {
    for (const url of [
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/js/%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/.gitignore',
      '/console/nope.js',
      '/console/js/%00.js',
      '/favicon.ico',
    ]) {
      const r = await get(url);
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.json().error_code, 'APIGW.0101', url);
    }
    assert.equal(consoleFile('js/../../package.json'), undefined);
    assert.equal(consoleFile('%E0%A4%A'), undefined);
    assert.match(consoleFile('') ?? '', /console[/\\]index\.html$/);
  });

  it('/openapi.json is the contract with the extensions, each operation marked implemented or not', async () => {
    const r = await get('/openapi.json');
    assert.equal(r.statusCode, 200);
    const doc = r.json();
    const ops = Object.values(doc.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string; 'x-doppel-implemented'?: boolean }>),
    );
    const implemented = ops.filter((o) => o['x-doppel-implemented']).map((o) => o.operationId);
    assert.deepEqual(implemented.sort(), [...IMPLEMENTED_OPERATIONS].sort());
    // Every operation carries the mark, false or true (all 148 are implemented today).
    assert.equal(ops.length, 148);
    assert.ok(
      ops.every((o) => typeof o['x-doppel-implemented'] === 'boolean'),
      'every operation is marked',
    );
    assert.ok(doc.components.schemas.Show2DDigitalHumanVideoResponse.properties.progress, 'Doppel extension');
  });

  it('MetaStudio routes still need a signature', async () => {
    const r = await get(`/v1/${p.tenant.projectId}/tenants/resources-usage`);
    assert.equal(r.statusCode, 401);
    const signed = await p.call('GET', '/v1/{project_id}/tenants/resources-usage');
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
  });
});
