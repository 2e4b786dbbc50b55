// ListAssets on both database legs: paging and count, the three sort keys in both
// directions, and every filter (name, type and state lists, tags with both combination
// types, system_property, time window, asset_source, app_user_id, asset_id, 2D/voice
// metadata). The counter table that answers `count` must agree with the rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SYSTEM_PROJECT_ID } from '../../src/core/db/schema.ts';
import { insertSystemAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const ASSETS = '/v1/{project_id}/digital-assets';

interface Fixture {
  name: string;
  type: string;
  state: string;
  tags?: string[];
  props?: Array<{ key: string; value: string }>;
  order?: number;
  user?: string;
  meta?: Record<string, unknown>;
}

// create_time = 2024-01-0{i+1}; update_time runs the other way round.
const FIXTURES: Fixture[] = [
  { name: 'Product Intro', type: 'VIDEO', state: 'ACTIVED', tags: ['promo', 'q1'], order: 5, user: 'u1' },
  { name: 'product outro', type: 'VIDEO', state: 'UNACTIVED', tags: ['promo'], order: 1 },
  { name: 'Logo 100%', type: 'IMAGE', state: 'ACTIVED', tags: ['brand'], order: 3, user: 'u1' },
  { name: 'Logo 1000', type: 'IMAGE', state: 'CREATING', props: [{ key: 'BACKGROUND_IMG', value: 'Yes' }] },
  { name: 'a_b', type: 'MUSIC', state: 'ACTIVED', tags: ['q1', 'brand'], order: 2 },
  { name: 'axb', type: 'AUDIO', state: 'FAILED', user: 'u2' },
  {
    name: 'bg',
    type: 'IMAGE',
    state: 'ACTIVED',
    props: [
      { key: 'BACKGROUND_IMG', value: 'Yes' },
      { key: 'STYLE_ID', value: 's9' },
    ],
    order: 4,
  },
  { name: 'binned', type: 'VIDEO', state: 'DELETING' },
  {
    name: 'avatar',
    type: 'HUMAN_MODEL_2D',
    state: 'ACTIVED',
    meta: { human_model_2d_meta: { model_version: 'V3_2', device_names: ['cam-a'] } },
  },
  {
    name: 'voice',
    type: 'VOICE_MODEL',
    state: 'ACTIVED',
    meta: { voice_model_meta: { sex: 'FEMALE', language: 'CN' } },
  },
];
const LIVE = FIXTURES.filter((f) => f.state !== 'DELETING');

await describeEachDb('ListAssets', (leg) => {
  let p: TestPlatform;
  const ids = new Map<string, string>();
  const idOf = (name: string) => ids.get(name)!;
  const list = async (
    query: Record<string, string | number | Array<string | number>> = {},
    as = p?.tenant,
  ) => {
    const r = await p.call('GET', ASSETS, { query, as });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { count: number; assets: Array<{ asset_id: string; asset_name: string }> };
  };
  const names = (b: { assets: Array<{ asset_name: string }> }) => b.assets.map((a) => a.asset_name);

  before(async () => {
    p = await startTestPlatform(leg);
    const db = p.deps.database.db;
    for (const [i, f] of FIXTURES.entries()) {
      // VOICE_MODEL / HUMAN_MODEL_2D cannot be created over the API: change the type after.
      const apiType = f.type === 'VOICE_MODEL' || f.type === 'HUMAN_MODEL_2D' ? 'COMMON_FILE' : f.type;
      const r = await p.call('POST', ASSETS, {
        body: {
          asset_name: f.name,
          asset_type: apiType,
          tags: f.tags,
          system_properties: f.props,
          asset_order: f.order,
        },
        headers: f.user ? { 'X-App-UserId': f.user } : {},
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const id = r.body.asset_id as string;
      ids.set(f.name, id);
      const day = `2024-01-${String(i + 1).padStart(2, '0')}T00:00:00Z`;
      const upd = `2024-02-${String(20 - i).padStart(2, '0')}T00:00:00Z`;
      await sql`UPDATE assets SET asset_type = ${f.type}, asset_state = ${f.state}, create_time = ${day}::timestamptz,
        update_time = ${upd}::timestamptz, asset_extra_meta = ${JSON.stringify(f.meta ?? {})}::jsonb,
        deleted_at = CASE WHEN ${f.state} = 'DELETING' THEN now() END
        WHERE project_id = ${p.tenant.projectId} AND asset_id = ${id}`.execute(db);
    }
  });
  after(() => p.close());

  describe('paging, count and sorting', () => {
    it('ListAssets defaults: offset 0, limit 10, sorted by create_time asc, DELETING left out', async () => {
      const b = await list();
      assert.equal(b.count, LIVE.length);
      assert.deepEqual(
        names(b),
        LIVE.map((f) => f.name),
      );
    });

    it('ListAssets offset/limit slice the list and count stays the total', async () => {
      const b = await list({ offset: 2, limit: 3 });
      assert.equal(b.count, LIVE.length);
      assert.deepEqual(
        names(b),
        LIVE.slice(2, 5).map((f) => f.name),
      );
      const past = await list({ offset: 100 });
      assert.equal(past.count, LIVE.length);
      assert.deepEqual(past.assets, []);
      for (const limit of [0, 101]) {
        const r = await p.call('GET', ASSETS, { query: { limit } });
        assert.equal(r.status, 400);
      }
    });

    it('ListAssets sort_key create_time|update_time|asset_order with sort_dir asc|desc', async () => {
      assert.deepEqual(names(await list({ sort_dir: 'desc' })), LIVE.map((f) => f.name).reverse());
      assert.deepEqual(names(await list({ sort_key: 'update_time' })), LIVE.map((f) => f.name).reverse());
      assert.deepEqual(
        names(await list({ sort_key: 'update_time', sort_dir: 'desc' })),
        LIVE.map((f) => f.name),
      );
      const ordered = await list({ sort_key: 'asset_order', asset_type: 'VIDEO,IMAGE,MUSIC', limit: 5 });
      assert.deepEqual(names(ordered), ['product outro', 'a_b', 'Logo 100%', 'bg', 'Product Intro']);
      const desc = await list({ sort_key: 'asset_order', sort_dir: 'DESC', asset_type: 'VIDEO,MUSIC' });
      assert.deepEqual(names(desc), ['Product Intro', 'a_b', 'product outro']);
    });

    it('ListAssets rejects unknown sort keys, sort directions, types and states with 400', async () => {
      const bad: Array<Record<string, string>> = [
        { sort_key: 'asset_name' },
        { sort_dir: 'up' },
        { asset_type: 'VIDEO,NOPE' },
        { asset_state: 'GONE' },
      ];
      for (const query of bad) {
        const r = await p.call('GET', ASSETS, { query });
        assert.equal(r.status, 400, JSON.stringify(query));
        assert.equal(r.body.error_code, 'MSS.00000003');
      }
    });
  });

  describe('filters', () => {
    it('ListAssets name is a case-insensitive fuzzy match; % and _ match literally', async () => {
      assert.deepEqual(names(await list({ name: 'PRODUCT' })), ['Product Intro', 'product outro']);
      assert.deepEqual(names(await list({ name: '100%' })), ['Logo 100%']);
      assert.deepEqual(names(await list({ name: 'a_b' })), ['a_b']);
      assert.deepEqual(names(await list({ name: 'Logo 100', accurate_query_field: 'name' })), []);
      assert.deepEqual(names(await list({ name: 'a_b', accurate_query_field: 'name' })), ['a_b']);
    });

    it('ListAssets asset_type takes a comma list or repeated keys', async () => {
      const b = await list({ asset_type: 'IMAGE,MUSIC' });
      assert.deepEqual(names(b), ['Logo 100%', 'Logo 1000', 'a_b', 'bg']);
      assert.equal(b.count, 4);
      assert.deepEqual(names(await list({ asset_type: ['IMAGE', 'MUSIC'] })), names(b));
    });

    it('ListAssets asset_state filters, and asset_state=DELETING shows the recycle bin', async () => {
      const b = await list({ asset_state: 'CREATING,FAILED' });
      assert.deepEqual(names(b), ['Logo 1000', 'axb']);
      assert.equal(b.count, 2);
      const bin = await list({ asset_state: 'DELETING' });
      assert.deepEqual(names(bin), ['binned']);
      assert.equal(bin.count, 1);
    });

    it('ListAssets tag: UNION_SET (default) matches any tag, INTERSECTION needs all', async () => {
      assert.deepEqual(names(await list({ tag: 'q1,brand' })), ['Product Intro', 'Logo 100%', 'a_b']);
      const union = await list({ tag: 'q1,brand', tag_combination_type: 'UNION_SET' });
      assert.equal(union.count, 3);
      const inter = await list({ tag: 'q1,brand', tag_combination_type: 'INTERSECTION' });
      assert.deepEqual(names(inter), ['a_b']);
      assert.equal(inter.count, 1);
    });

    it('ListAssets system_property=KEY:Value[,KEY2:Value] needs every pair; style_id reads STYLE_ID', async () => {
      assert.deepEqual(names(await list({ system_property: 'BACKGROUND_IMG:Yes' })), ['Logo 1000', 'bg']);
      assert.deepEqual(names(await list({ system_property: 'BACKGROUND_IMG:Yes,STYLE_ID:s9' })), ['bg']);
      assert.deepEqual(names(await list({ style_id: 's9' })), ['bg']);
      assert.deepEqual(names(await list({ system_property: 'BACKGROUND_IMG:No' })), []);
      const bad = await p.call('GET', ASSETS, { query: { system_property: 'BACKGROUND_IMG' } });
      assert.equal(bad.status, 400);
    });

    it('ListAssets start_time/end_time bound create_time (inclusive)', async () => {
      const b = await list({ start_time: '2024-01-02T00:00:00Z', end_time: '2024-01-04T00:00:00Z' });
      assert.deepEqual(names(b), ['product outro', 'Logo 100%', 'Logo 1000']);
      assert.equal(b.count, 3);
      const bad = await p.call('GET', ASSETS, { query: { start_time: 'yesterday' } });
      assert.equal(bad.status, 400);
    });

    it('ListAssets app_user_id and asset_id filters', async () => {
      assert.deepEqual(names(await list({ app_user_id: 'u1' })), ['Product Intro', 'Logo 100%']);
      const two = await list({ asset_id: [idOf('bg'), idOf('axb'), '0'.repeat(32)] });
      assert.deepEqual(names(two), ['axb', 'bg']);
      assert.equal(two.count, 2);
      assert.deepEqual(names(await list({ asset_id: `${idOf('bg')},${idOf('a_b')}` })), ['a_b', 'bg']);
    });

    it('ListAssets 2D-model and voice filters read asset_extra_meta', async () => {
      assert.deepEqual(names(await list({ human_model_2d_version: 'V3.2' })), ['avatar']);
      assert.deepEqual(names(await list({ include_device_name: 'cam-a' })), ['avatar']);
      assert.equal((await list({ exclude_device_name: 'cam-a', asset_type: 'HUMAN_MODEL_2D' })).count, 0);
      assert.deepEqual(names(await list({ sex: 'FEMALE', language: 'CN' })), ['voice']);
      assert.deepEqual(names(await list({ sex: 'MALE' })), []);
    });

    it('ListAssets asset_source SYSTEM lists only system assets, ALL both, CUSTOMIZATION (default) mine', async () => {
      const sysId = await insertSystemAsset(p, { name: 'sys-music', type: 'MUSIC' });
      await insertSystemAsset(p, { name: 'sys-gone', type: 'MUSIC', state: 'DELETED' });
      const sys = await list({ asset_source: 'SYSTEM', limit: 100 });
      assert.ok(sys.assets.some((a) => a.asset_id === sysId));
      assert.ok(sys.assets.every((a) => (a as { project_id?: string }).project_id === SYSTEM_PROJECT_ID));
      assert.ok(!names(sys).includes('sys-gone'));
      assert.equal(sys.count, sys.assets.length);
      const all = await list({ asset_source: 'ALL', limit: 100 });
      assert.equal(all.count, sys.count + LIVE.length);
      assert.equal(all.assets.length, all.count);
      // Paging through ALL (merged per project) yields the same sequence as one big page.
      const paged: string[] = [];
      for (let offset = 0; offset < all.count; offset += 4) {
        paged.push(...(await list({ asset_source: 'ALL', offset, limit: 4 })).assets.map((a) => a.asset_id));
      }
      assert.deepEqual(
        paged,
        all.assets.map((a) => a.asset_id),
      );
      const desc = await list({ asset_source: 'ALL', limit: 100, sort_dir: 'desc' });
      assert.deepEqual(
        desc.assets.map((a) => a.asset_id),
        all.assets.map((a) => a.asset_id).reverse(),
      );
      const mine = await list({ asset_source: 'CUSTOMIZATION', limit: 100 });
      assert.equal(mine.count, LIVE.length);
      const musicAll = await list({ asset_source: 'ALL', asset_type: 'MUSIC', name: 'sys-music' });
      assert.deepEqual(names(musicAll), ['sys-music']);
      // Another tenant sees the same system assets and none of this tenant's.
      const theirs = await list({ asset_source: 'ALL', limit: 100 }, p.other);
      assert.equal(theirs.count, sys.count);
    });
  });

  it('asset_counts (behind ListAssets count) agrees with the rows after every kind of write', async () => {
    const db = p.deps.database.db;
    const id = idOf('axb');
    await p.call('DELETE', `${ASSETS}/${id}`);
    await p.call('POST', `${ASSETS}/${id}/restore`);
    await p.call('DELETE', `${ASSETS}/${idOf('Logo 1000')}`, { query: { mode: 'force' } });
    await p.call('PUT', `${ASSETS}/${idOf('bg')}`, { body: { asset_type: 'SCENE' } });
    const counters = await sql<{ k: string; n: number }>`
      SELECT project_id || asset_type || asset_state AS k, n::int AS n FROM asset_counts WHERE n <> 0 ORDER BY k`.execute(
      db,
    );
    const rows = await sql<{ k: string; n: number }>`
      SELECT project_id || asset_type || asset_state AS k, count(*)::int AS n FROM assets GROUP BY 1 ORDER BY k`.execute(
      db,
    );
    assert.deepEqual(counters.rows, rows.rows);
    const b = await list({ limit: 100 });
    assert.equal(b.count, LIVE.length - 1);
    assert.equal(b.assets.length, b.count);
  });
});
