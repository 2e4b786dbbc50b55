// BatchExecuteAssetAction (every action, mixed results reported per asset), sharing
// (SHARE/UNSHARE and shared_config, then ListAssets role=SHAREE/SHARER and ShowAsset by the
// sharee) and ListAssetSummary, on both database legs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { insertFileRow } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ASSETS = '/v1/{project_id}/digital-assets';
const BATCH = `${ASSETS}/batch-action`;
const UNKNOWN = 'f'.repeat(32);

await describeEachDb('asset batch actions, sharing and summaries', (leg) => {
  let p: TestPlatform;
  before(async () => {
    p = await startTestPlatform(leg);
  });
  after(() => p.close());

  let n = 0;
  const create = async (state = 'UNACTIVED', type = 'IMAGE', as = p.tenant) => {
    const r = await p.call('POST', ASSETS, { body: { asset_name: `batch-${n++}`, asset_type: type }, as });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const id = r.body.asset_id as string;
    await sql`UPDATE assets SET asset_state = ${state} WHERE asset_id = ${id}`.execute(p.deps.database.db);
    return id;
  };
  const stateOf = async (id: string) => (await p.call('GET', `${ASSETS}/${id}`)).body.asset_state;
  const batch = async (body: Record<string, unknown>, as = p.tenant) => {
    const r = await p.call('POST', BATCH, { body, as });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.results as Array<{
      ret_status: string;
      asset_ids: string[];
      error_info?: { error_code: string };
    }>;
  };

  describe('BatchExecuteAssetAction', () => {
    it('BatchExecuteAssetAction ACTIVE reports successes together and each failure with its error', async () => {
      const a = await create('UNACTIVED');
      const b = await create('ACTIVED');
      const creating = await create('CREATING');
      const foreign = await create('UNACTIVED', 'IMAGE', p.other);
      const results = await batch({ action: 'ACTIVE', asset_ids: [a, creating, b, UNKNOWN, foreign, a] });
      assert.deepEqual(results[0], { ret_status: 'SUCCESS', asset_ids: [a, b] });
      const failed = results.slice(1);
      assert.deepEqual(
        failed.map((r) => [r.ret_status, r.asset_ids, r.error_info?.error_code]),
        [
          ['FAILED', [creating], 'MSS.00000003'],
          ['FAILED', [UNKNOWN], 'MSS.10001001'],
          ['FAILED', [foreign], 'MSS.10001001'],
        ],
      );
      assert.equal(await stateOf(a), 'ACTIVED');
      assert.equal(await stateOf(creating), 'CREATING');
    });

    it('BatchExecuteAssetAction UNACTIVE, DELETE, RESTORE and DELETE_FORCE', async () => {
      const a = await create('ACTIVED');
      const b = await create('ACTIVED');
      assert.equal((await batch({ action: 'UNACTIVE', asset_ids: [a, b] }))[0]!.ret_status, 'SUCCESS');
      assert.equal(await stateOf(a), 'UNACTIVED');
      await batch({ action: 'DELETE', asset_ids: [a, b] });
      assert.equal(await stateOf(a), 'DELETING');
      const restored = await batch({ action: 'RESTORE', asset_ids: [a] });
      assert.deepEqual(restored, [{ ret_status: 'SUCCESS', asset_ids: [a] }]);
      assert.equal(await stateOf(a), 'UNACTIVED');
      // RESTORE of an asset not in the bin fails alone.
      const mixed = await batch({ action: 'RESTORE', asset_ids: [a, b] });
      assert.deepEqual(mixed[0], { ret_status: 'SUCCESS', asset_ids: [b] });
      assert.equal(mixed[1]!.ret_status, 'FAILED');
      assert.deepEqual(mixed[1]!.asset_ids, [a]);
      const f = await insertFileRow(p, p.tenant.projectId, a, { name: 'x.png', bytes: Buffer.from('x') });
      await batch({ action: 'DELETE_FORCE', asset_ids: [a, b] });
      assert.equal((await p.call('GET', `${ASSETS}/${a}`)).body.error_code, 'MSS.10001001');
      assert.equal(await p.deps.objects.head(f.objectKey), null);
    });

    it('BatchExecuteAssetAction with all failures still answers 200 with FAILED results only', async () => {
      const results = await batch({ action: 'DELETE', asset_ids: [UNKNOWN] });
      assert.deepEqual(
        results.map((r) => r.ret_status),
        ['FAILED'],
      );
    });

    it('BatchExecuteAssetAction rejects an empty or oversized id list and bad SHARE params as a whole', async () => {
      const bodies = [
        { action: 'DELETE', asset_ids: [] },
        {
          action: 'DELETE',
          asset_ids: Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0')),
        },
        { action: 'SHARE', asset_ids: [UNKNOWN] },
        { action: 'SHARE', asset_ids: [UNKNOWN], params: 'not json' },
        { action: 'SHARE', asset_ids: [UNKNOWN], params: '{"allowed_project_ids":["nope"]}' },
        { action: 'PUBLISH', asset_ids: [UNKNOWN] },
      ];
      for (const body of bodies) {
        const r = await p.call('POST', BATCH, { body });
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 60));
      }
    });
  });

  describe('sharing', () => {
    it('BatchExecuteAssetAction SHARE lets the sharee ShowAsset and list it (role=SHAREE); UNSHARE ends it', async () => {
      const id = await create('ACTIVED');
      const hidden = await create('ACTIVED');
      const params = JSON.stringify({ allowed_project_ids: [p.other.projectId] });
      assert.deepEqual(await batch({ action: 'SHARE', asset_ids: [id], params }), [
        { ret_status: 'SUCCESS', asset_ids: [id] },
      ]);
      const seen = await p.call('GET', `${ASSETS}/${id}`, { as: p.other });
      assert.equal(seen.status, 200);
      assert.equal(seen.body.project_id, p.tenant.projectId);
      assert.equal((await p.call('GET', `${ASSETS}/${hidden}`, { as: p.other })).status, 400);
      const shared = await p.call('GET', ASSETS, { as: p.other, query: { role: 'SHAREE' } });
      assert.deepEqual(
        shared.body.assets.map((a: { asset_id: string }) => a.asset_id),
        [id],
      );
      assert.equal(shared.body.count, 1);
      // The sharee may look, not touch.
      const u = await p.call('PUT', `${ASSETS}/${id}`, { as: p.other, body: { asset_name: 'mine' } });
      assert.equal(u.status, 403);
      // The owner sees what it shares with role=SHARER.
      const sharer = await p.call('GET', ASSETS, { query: { role: 'SHARER' } });
      assert.ok(sharer.body.assets.some((a: { asset_id: string }) => a.asset_id === id));
      assert.ok(!sharer.body.assets.some((a: { asset_id: string }) => a.asset_id === hidden));
      // In the recycle bin it is hidden from the sharee.
      await p.call('DELETE', `${ASSETS}/${id}`);
      assert.equal((await p.call('GET', `${ASSETS}/${id}`, { as: p.other })).status, 400);
      await p.call('POST', `${ASSETS}/${id}/restore`);
      assert.equal((await p.call('GET', `${ASSETS}/${id}`, { as: p.other })).status, 200);
      await batch({ action: 'UNSHARE', asset_ids: [id] });
      assert.equal((await p.call('GET', `${ASSETS}/${id}`, { as: p.other })).status, 400);
      const none = await p.call('GET', ASSETS, { as: p.other, query: { role: 'SHAREE' } });
      assert.equal(none.body.count, 0);
    });

    it('CreateDigitalAsset with shared_config SHARED shares at once; an expired share shows nothing', async () => {
      const r = await p.call('POST', ASSETS, {
        body: {
          asset_name: 'born-shared',
          asset_type: 'IMAGE',
          shared_config: { shared_type: 'SHARED', allowed_project_ids: [p.other.projectId] },
        },
      });
      const id = r.body.asset_id;
      assert.equal((await p.call('GET', `${ASSETS}/${id}`, { as: p.other })).status, 200);
      await sql`UPDATE asset_shares SET expires_at = now() - interval '1 minute' WHERE asset_id = ${id}`.execute(
        p.deps.database.db,
      );
      assert.equal((await p.call('GET', `${ASSETS}/${id}`, { as: p.other })).status, 400);
      const past = await p.call('POST', ASSETS, {
        body: {
          asset_name: 'x',
          asset_type: 'IMAGE',
          shared_config: {
            shared_type: 'SHARED',
            expire_time: '2001-01-01T00:00:00Z',
            allowed_project_ids: [],
          },
        },
      });
      assert.equal(past.status, 400);
    });
  });

  describe('ListAssetSummary', () => {
    it('ListAssetSummary answers for each visible id, in request order, with a cover URL', async () => {
      const img = await create('ACTIVED', 'IMAGE');
      const vid = await create('CREATING', 'VIDEO');
      const cover = await insertFileRow(p, p.tenant.projectId, vid, {
        name: 'cover.jpg',
        bytes: Buffer.from('JPEG'),
        category: 'COVER',
      });
      await insertFileRow(p, p.tenant.projectId, img, { name: 'main.png', bytes: Buffer.from('PNG') });
      const foreign = await create('ACTIVED', 'IMAGE', p.other);
      const r = await p.call('POST', `${ASSETS}/summarys`, {
        body: { asset_ids: [vid, UNKNOWN, foreign, img] },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const list = r.body.asset_list as Array<Record<string, string>>;
      assert.deepEqual(
        list.map((s) => [s.asset_id, s.asset_state, s.asset_type]),
        [
          [vid, 'CREATING', 'VIDEO'],
          [img, 'ACTIVED', 'IMAGE'],
        ],
      );
      const got = await p.fetchUrl('GET', list[0]!.cover_url!);
      assert.equal(got.raw.toString(), 'JPEG');
      assert.ok(cover.fileId);
      // An IMAGE stands for itself.
      assert.equal((await p.fetchUrl('GET', list[1]!.thumbnail_url!)).raw.toString(), 'PNG');
      const tooMany = await p.call('POST', `${ASSETS}/summarys`, {
        body: { asset_ids: Array.from({ length: 101 }, (_, i) => String(i)) },
      });
      assert.equal(tooMany.status, 400);
    });
  });
});
