// The asset lifecycle through the signed API, on both database legs: CreateDigitalAsset,
// ShowAsset, UpdateDigitalAsset, DeleteAsset (recycle bin and mode=force), RestoreAsset;
// the documented errors; system assets read-only; one tenant never sees another's assets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SYSTEM_PROJECT_ID } from '../../src/core/db/schema.ts';
import { insertFileRow, insertSystemAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ASSETS = '/v1/{project_id}/digital-assets';

await describeEachDb('asset lifecycle', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(() => p.close());

  const create = async (body: Record<string, unknown>, headers?: Record<string, string>) => {
    const r = await p.call('POST', ASSETS, { body, headers });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.asset_id as string;
  };
  const show = (id: string, as = p.tenant) => p.call('GET', `${ASSETS}/${id}`, { as });

  describe('CreateDigitalAsset and ShowAsset', () => {
    it('CreateDigitalAsset returns a 32-hex asset_id; ShowAsset shows it CREATING with every field', async () => {
      const id = await create(
        {
          asset_name: 'Product intro 1_a',
          asset_type: 'VIDEO',
          asset_description: 'first',
          tags: ['promo', 'q1', 'promo'],
          system_properties: [{ key: 'MATERIAL_VIDEO', value: 'Yes' }],
          supported_service: ['VIDEO_2D'],
          asset_order: 3,
        },
        { 'X-App-UserId': 'end-user-7' },
      );
      assert.match(id, /^[0-9a-f]{32}$/);
      const r = await show(id);
      assert.equal(r.status, 200);
      const a = r.body;
      assert.equal(a.asset_id, id);
      assert.equal(a.project_id, p.tenant.projectId);
      assert.equal(a.asset_name, 'Product intro 1_a');
      assert.equal(a.asset_state, 'CREATING');
      assert.equal(a.asset_type, 'VIDEO');
      assert.equal(a.app_user_id, 'end-user-7');
      assert.deepEqual(a.tags, ['promo', 'q1']);
      assert.deepEqual(a.system_properties, [{ key: 'MATERIAL_VIDEO', value: 'Yes' }]);
      assert.deepEqual(a.files, []);
      assert.match(a.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(a.create_time, a.update_time);
    });

    it('CreateDigitalAsset refuses VOICE_MODEL and HUMAN_MODEL_2D with 403 MSS.00000004', async () => {
      for (const asset_type of ['VOICE_MODEL', 'HUMAN_MODEL_2D']) {
        const r = await p.call('POST', ASSETS, { body: { asset_name: 'v', asset_type } });
        assert.equal(r.status, 403);
        assert.equal(r.body.error_code, 'MSS.00000004');
      }
    });

    it('CreateDigitalAsset refuses a second live asset with the same name and type (MSS.10001005)', async () => {
      await create({ asset_name: 'dup', asset_type: 'IMAGE' });
      const r = await p.call('POST', ASSETS, { body: { asset_name: 'dup', asset_type: 'IMAGE' } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error_code, 'MSS.10001005');
      // Another type may use the name; so may another project.
      await create({ asset_name: 'dup', asset_type: 'VIDEO' });
      const o = await p.call('POST', ASSETS, {
        body: { asset_name: 'dup', asset_type: 'IMAGE' },
        as: p.other,
      });
      assert.equal(o.status, 200);
    });

    it('CreateDigitalAsset validates names, tags and system properties', async () => {
      const bad = [
        { asset_name: 'a\nb', asset_type: 'IMAGE' },
        { asset_name: 'x', asset_type: 'IMAGE', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
        { asset_name: 'x', asset_type: 'IMAGE', tags: ['x'.repeat(129)] },
        {
          asset_name: 'x',
          asset_type: 'IMAGE',
          system_properties: Array.from({ length: 51 }, (_, i) => ({ key: 'STYLE_ID', value: `${i}` })),
        },
        { asset_name: 'x', asset_type: 'IMAGE', system_properties: [{ key: 'STYLE_ID' }] },
        { asset_name: 'x', asset_type: 'NOT_A_TYPE' },
      ];
      for (const body of bad) {
        const r = await p.call('POST', ASSETS, { body });
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
        assert.equal(r.body.error_code, 'MSS.00000003');
      }
    });

    it('ShowAsset of an unknown id is 400 MSS.10001001', async () => {
      const r = await show('0'.repeat(32));
      assert.equal(r.status, 400);
      assert.equal(r.body.error_code, 'MSS.10001001');
    });

    it('ShowAsset lists the files with a 24 h presigned download_url that serves the bytes', async () => {
      const id = await create({ asset_name: 'with-file', asset_type: 'IMAGE' });
      const f = await insertFileRow(p, p.tenant.projectId, id, {
        name: 'pic.png',
        bytes: Buffer.from('PNGDATA'),
      });
      const r = await show(id);
      const file = r.body.files[0];
      assert.equal(file.file_id, f.fileId);
      assert.equal(file.file_name, 'pic.png');
      assert.equal(file.state, 'CREATED');
      assert.equal(file.asset_file_category, 'MAIN');
      const got = await p.fetchUrl('GET', file.download_url);
      assert.equal(got.status, 200);
      assert.equal(got.raw.toString(), 'PNGDATA');
      const expires = Number(new URL(file.download_url).searchParams.get('X-Doppel-Expires') ?? Number.NaN);
      if (!Number.isNaN(expires)) assert.ok(Math.abs(expires * 1000 - Date.now() - 24 * 3600e3) < 120e3);
    });
  });

  describe('UpdateDigitalAsset', () => {
    it('UpdateDigitalAsset updates given fields only, ADDs and DELETEs system properties, bumps update_time', async () => {
      const id = await create({
        asset_name: 'upd',
        asset_type: 'IMAGE',
        asset_description: 'keep me',
        tags: ['a'],
        system_properties: [
          { key: 'BACKGROUND_IMG', value: 'Yes' },
          { key: 'STYLE_ID', value: 's1' },
        ],
      });
      const before = (await show(id)).body;
      await new Promise((r) => setTimeout(r, 1100));
      const r = await p.call('PUT', `${ASSETS}/${id}`, {
        body: {
          tags: ['b', 'c'],
          system_properties: [
            { action: 'DELETE', key: 'BACKGROUND_IMG' },
            { action: 'ADD', key: 'STYLE_ID', value: 's2' },
            { key: 'MATERIAL_IMG', value: 'Yes' },
          ],
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.asset_description, 'keep me');
      assert.deepEqual(r.body.tags, ['b', 'c']);
      assert.deepEqual(r.body.system_properties, [
        { key: 'STYLE_ID', value: 's2' },
        { key: 'MATERIAL_IMG', value: 'Yes' },
      ]);
      assert.equal(r.body.create_time, before.create_time);
      assert.ok(r.body.update_time > before.update_time);
    });

    it('UpdateDigitalAsset sets asset_state only from UNACTIVED/ACTIVED', async () => {
      const id = await create({ asset_name: 'states', asset_type: 'IMAGE' });
      const set = (asset_state: string) => p.call('PUT', `${ASSETS}/${id}`, { body: { asset_state } });
      const creating = await set('ACTIVED');
      assert.equal(creating.status, 400);
      assert.equal(creating.body.error_code, 'MSS.00000003');
      await sql`UPDATE assets SET asset_state = 'UNACTIVED' WHERE asset_id = ${id}`.execute(
        p.deps.database.db,
      );
      assert.equal((await set('ACTIVED')).body.asset_state, 'ACTIVED');
      assert.equal((await set('UNACTIVED')).body.asset_state, 'UNACTIVED');
      assert.equal((await set('WAITING_DELETE')).body.asset_state, 'WAITING_DELETE');
      assert.equal((await set('ACTIVED')).status, 400);
      const notSettable = await set('DELETING');
      assert.equal(notSettable.status, 400);
    });

    it('UpdateDigitalAsset renaming onto a live name is MSS.10001005; retyping to VOICE_MODEL is 403', async () => {
      await create({ asset_name: 'taken', asset_type: 'AUDIO' });
      const id = await create({ asset_name: 'free', asset_type: 'AUDIO' });
      const r = await p.call('PUT', `${ASSETS}/${id}`, { body: { asset_name: 'taken' } });
      assert.equal(r.body.error_code, 'MSS.10001005');
      const t = await p.call('PUT', `${ASSETS}/${id}`, { body: { asset_type: 'VOICE_MODEL' } });
      assert.equal(t.status, 403);
    });
  });

  describe('DeleteAsset, RestoreAsset, force delete', () => {
    it('DeleteAsset moves to the recycle bin; a second DeleteAsset is fine; RestoreAsset brings the prior state back', async () => {
      const id = await create({ asset_name: 'bin', asset_type: 'IMAGE' });
      await sql`UPDATE assets SET asset_state = 'ACTIVED' WHERE asset_id = ${id}`.execute(p.deps.database.db);
      assert.equal((await p.call('DELETE', `${ASSETS}/${id}`)).status, 200);
      assert.equal((await show(id)).body.asset_state, 'DELETING');
      assert.equal((await p.call('DELETE', `${ASSETS}/${id}`)).status, 200);
      // The name is free while the asset sits in the bin.
      const other = await create({ asset_name: 'bin', asset_type: 'IMAGE' });
      // …so restoring clashes until the newcomer goes.
      const clash = await p.call('POST', `${ASSETS}/${id}/restore`);
      assert.equal(clash.body.error_code, 'MSS.10001005');
      await p.call('DELETE', `${ASSETS}/${other}`, { query: { mode: 'force' } });
      const r = await p.call('POST', `${ASSETS}/${id}/restore`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal((await show(id)).body.asset_state, 'ACTIVED');
    });

    it('RestoreAsset of an asset not in the recycle bin is 400', async () => {
      const id = await create({ asset_name: 'not-deleted', asset_type: 'IMAGE' });
      const r = await p.call('POST', `${ASSETS}/${id}/restore`);
      assert.equal(r.status, 400);
      assert.equal(r.body.error_code, 'MSS.00000003');
    });

    it('DeleteAsset mode=force removes the objects and leaves the asset not found', async () => {
      const id = await create({ asset_name: 'force', asset_type: 'IMAGE' });
      const f = await insertFileRow(p, p.tenant.projectId, id, { name: 'a.png', bytes: Buffer.from('x') });
      assert.ok(await p.deps.objects.head(f.objectKey));
      const r = await p.call('DELETE', `${ASSETS}/${id}`, { query: { mode: 'force' } });
      assert.equal(r.status, 200);
      assert.equal(await p.deps.objects.head(f.objectKey), null);
      assert.equal((await show(id)).body.error_code, 'MSS.10001001');
      assert.equal((await p.call('POST', `${ASSETS}/${id}/restore`)).body.error_code, 'MSS.10001001');
      assert.equal((await p.call('DELETE', `${ASSETS}/${id}`)).body.error_code, 'MSS.10001001');
      const bad = await p.call('DELETE', `${ASSETS}/${id}`, { query: { mode: 'soft' } });
      assert.equal(bad.status, 400);
    });
  });

  describe('system assets and tenancy', () => {
    it('ShowAsset shows a system asset to every project; UpdateDigitalAsset/DeleteAsset on it are 403', async () => {
      const id = await insertSystemAsset(p, { name: 'sys-bg', type: 'IMAGE' });
      for (const as of [p.tenant, p.other]) {
        const r = await show(id, as);
        assert.equal(r.status, 200);
        assert.equal(r.body.project_id, SYSTEM_PROJECT_ID);
      }
      const u = await p.call('PUT', `${ASSETS}/${id}`, { body: { asset_name: 'mine now' } });
      assert.equal(u.status, 403);
      assert.equal(u.body.error_code, 'MSS.00000004');
      assert.equal((await p.call('DELETE', `${ASSETS}/${id}`)).status, 403);
      assert.equal((await p.call('DELETE', `${ASSETS}/${id}`, { query: { mode: 'force' } })).status, 403);
    });

    it("a tenant can neither ShowAsset, UpdateDigitalAsset, DeleteAsset nor RestoreAsset another tenant's asset", async () => {
      const id = await create({ asset_name: 'private', asset_type: 'IMAGE' });
      const as = p.other;
      assert.equal((await show(id, as)).body.error_code, 'MSS.10001001');
      const u = await p.call('PUT', `${ASSETS}/${id}`, { body: { asset_name: 'stolen' }, as });
      assert.equal(u.body.error_code, 'MSS.10001001');
      assert.equal((await p.call('DELETE', `${ASSETS}/${id}`, { as })).body.error_code, 'MSS.10001001');
      const f = await p.call('DELETE', `${ASSETS}/${id}`, { as, query: { mode: 'force' } });
      assert.equal(f.body.error_code, 'MSS.10001001');
      assert.equal((await p.call('POST', `${ASSETS}/${id}/restore`, { as })).body.error_code, 'MSS.10001001');
      const list = await p.call('GET', ASSETS, { as, query: { asset_id: id } });
      assert.equal(list.body.count, 0);
      // The other tenant's path with this tenant's key is refused before any handler.
      const cross = await p.call('GET', `/v1/${p.other.projectId}/digital-assets/${id}`);
      assert.equal(cross.status, 400);
      assert.equal(cross.body.error_code, 'MSS.00010009');
      assert.equal((await show(id)).body.asset_name, 'private');
    });
  });
});
