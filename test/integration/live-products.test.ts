// Live Product Management over HTTP on both database legs: CreateProduct, ShowProduct,
// ListProducts, UpdateProduct, SetProductAsset, DeleteProduct — states (auto_active,
// ACTIVED/UNACTIVED, DELETED), the asset portfolio, a room's relation_product, isolation.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newId } from '../../src/core/util/ids.ts';
import { createLiveRooms } from '../../src/modules/live/index.ts';
import { insertAsset, insertSystemAsset } from '../helpers/assets.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.ts';

const PRODUCTS = '/v1/{project_id}/products';

await describeEachDb(
  'Live products (CreateProduct, ShowProduct, ListProducts, UpdateProduct, SetProductAsset, DeleteProduct)',
  (leg) => {
    let p: TestPlatform;
    let image: string;
    let image2: string;
    let video: string;
    let music: string;
    let model: string;
    before(async () => {
      p = await startTestPlatform(leg);
      const own = { projectId: p.tenant.projectId };
      image = await insertAsset(p, { name: `flask photo ${newId()}`, type: 'IMAGE', ...own });
      image2 = await insertSystemAsset(p, { name: `studio ${newId()}`, type: 'IMAGE' });
      video = await insertAsset(p, { name: `flask clip ${newId()}`, type: 'VIDEO', ...own });
      music = await insertSystemAsset(p, { name: `jingle ${newId()}`, type: 'MUSIC' });
      model = await insertAsset(p, { name: `host ${newId()}`, type: 'HUMAN_MODEL_2D', ...own });
    });
    after(async () => {
      await p?.close();
    });

    const product = (over: Record<string, unknown> = {}) => ({
      name: 'Vacuum flask',
      description: 'Keeps tea hot for 12 hours',
      tags: ['kitchen', 'spring'],
      cover: { asset_id: image },
      text_list: [{ title: 'selling point', text: 'Double steel walls.' }],
      asset_list: [
        { asset_id: video, asset_type: 'VIDEO', order: 1 },
        { asset_id: image2, order: 0 },
      ],
      ...over,
    });
    const create = async (body: Record<string, unknown>, as = p.tenant) => {
      const r = await p.call('POST', PRODUCTS, { body, as });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.product_id as string;
    };
    const expect400 = async (
      r: { status: number; body: { error_code: string; error_msg: string } },
      code: string,
      msg: RegExp,
    ) => {
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, code, r.body.error_msg);
      assert.match(r.body.error_msg, msg);
    };

    it('CreateProduct with a portfolio; ShowProduct shows it UNACTIVED unless auto_active', async () => {
      const id = await create(product());
      assert.match(id, /^[0-9a-f]{32}$/);
      const s = await p.call('GET', `${PRODUCTS}/${id}`);
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.state, 'UNACTIVED');
      assert.equal(s.body.name, 'Vacuum flask');
      assert.deepEqual(s.body.tags, ['kitchen', 'spring']);
      assert.equal(s.body.cover.asset_id, image);
      const [clip, still] = s.body.asset_list;
      assert.equal(clip.asset_id, video);
      assert.equal(clip.asset_state, 'ACTIVED');
      assert.match(clip.asset_name, /^flask clip/);
      assert.equal(still.asset_type, 'IMAGE', 'an untyped entry takes its asset type');
      const active = await create(product({ auto_active: true }));
      assert.equal((await p.call('GET', `${PRODUCTS}/${active}`)).body.state, 'ACTIVED');
    });

    it('refuses bad fields and assets that do not fit', async () => {
      const post = (body: Record<string, unknown>) => p.call('POST', PRODUCTS, { body });
      await expect400(await post(product({ name: '' })), 'MSS.00000003', /name must not be empty/);
      await expect400(await post(product({ name: 'a\u0001b' })), 'MSS.00000003', /control characters/);
      await expect400(await post(product({ tags: ['a', 'a'] })), 'MSS.00000003', /repeated/);
      await expect400(
        await post(product({ cover: { asset_id: video } })),
        'MSS.00000003',
        /cover.asset_id: .* VIDEO; expected IMAGE/,
      );
      await expect400(
        await post(product({ asset_list: [{ asset_id: image, asset_type: 'AUDIO' }] })),
        'MSS.00000003',
        /expected AUDIO or MUSIC/,
      );
      await expect400(
        await post(product({ asset_list: [{ asset_id: model }] })),
        'MSS.00000003',
        /HUMAN_MODEL_2D/,
      );
      await expect400(
        await post(product({ asset_list: [{ asset_id: newId() }] })),
        'MSS.10001001',
        /asset_list\[0\]/,
      );
      await expect400(
        await post(product({ text_list: [{ title: 'empty' }] })),
        'MSS.00000003',
        /text is required/,
      );
      // Another project's asset is not visible.
      const foreign = await insertAsset(p, {
        name: `theirs ${newId()}`,
        type: 'IMAGE',
        projectId: p.other.projectId,
      });
      await expect400(
        await post(product({ cover: { asset_id: foreign } })),
        'MSS.10001001',
        /cover.asset_id/,
      );
    });

    it('UpdateProduct changes the named fields and the state; SetProductAsset links and unlinks', async () => {
      const id = await create(product());
      const u = await p.call('PUT', `${PRODUCTS}/${id}`, {
        body: { name: 'Flask XL', state: 'ACTIVED', tags: ['xl'] },
      });
      assert.equal(u.status, 200, JSON.stringify(u.body));
      let s = (await p.call('GET', `${PRODUCTS}/${id}`)).body;
      assert.equal(s.name, 'Flask XL');
      assert.equal(s.state, 'ACTIVED');
      assert.deepEqual(s.tags, ['xl']);
      assert.equal(s.asset_list.length, 2, 'fields not named are kept');
      const bad = await p.call('PUT', `${PRODUCTS}/${id}`, { body: { name: 'x', state: 'BLOCK' } });
      assert.equal(bad.status, 400);

      const link = await p.call('POST', `${PRODUCTS}/${id}/assets`, {
        body: { action: 'LINK', asset_item: { asset_id: music, asset_type: 'AUDIO', order: 5 } },
      });
      assert.equal(link.status, 200, JSON.stringify(link.body));
      const text = await p.call('POST', `${PRODUCTS}/${id}/assets`, {
        body: { action: 'LINK', text_item: { title: 'price', text: '99 yuan today' } },
      });
      assert.equal(text.status, 200, JSON.stringify(text.body));
      s = (await p.call('GET', `${PRODUCTS}/${id}`)).body;
      assert.deepEqual(
        s.asset_list.map((a: { asset_id: string }) => a.asset_id),
        [image2, video, music],
      );
      assert.deepEqual(
        s.text_list.map((t: { title: string }) => t.title),
        ['selling point', 'price'],
      );
      const unlink = await p.call('POST', `${PRODUCTS}/${id}/assets`, {
        body: { action: 'UNLINK', asset_item: { asset_id: video } },
      });
      assert.equal(unlink.status, 200, JSON.stringify(unlink.body));
      const untext = await p.call('POST', `${PRODUCTS}/${id}/assets`, {
        body: { action: 'UNLINK', text_item: { title: 'price' } },
      });
      assert.equal(untext.status, 200, JSON.stringify(untext.body));
      s = (await p.call('GET', `${PRODUCTS}/${id}`)).body;
      assert.deepEqual(
        s.asset_list.map((a: { asset_id: string }) => a.asset_id),
        [image2, music],
      );
      assert.equal(s.text_list.length, 1);
      await expect400(
        await p.call('POST', `${PRODUCTS}/${id}/assets`, {
          body: { action: 'UNLINK', asset_item: { asset_id: video } },
        }),
        'MSS.00000003',
        /not linked/,
      );
      await expect400(
        await p.call('POST', `${PRODUCTS}/${id}/assets`, {
          body: { action: 'LINK', asset_item: { asset_id: newId() } },
        }),
        'MSS.10001001',
        /asset_list/,
      );
      await expect400(
        await p.call('POST', `${PRODUCTS}/${id}/assets`, { body: { action: 'LINK' } }),
        'MSS.00000003',
        /exactly one/,
      );
    });

    it('ListProducts filters by name, tag and state and sorts; DeleteProduct marks it DELETED', async () => {
      const tag = `t${newId().slice(0, 8)}`;
      const a = await create(product({ name: `mug ${tag}`, tags: [tag] }));
      const b = await create(product({ name: `cup ${tag}`, tags: [tag], auto_active: true }));
      const all = await p.call('GET', PRODUCTS, { query: { tag } });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.equal(all.body.count, 2);
      assert.deepEqual(
        all.body.products.map((x: { product_id: string }) => x.product_id),
        [a, b],
      );
      const desc = await p.call('GET', PRODUCTS, { query: { tag, sort_dir: 'desc' } });
      assert.deepEqual(
        desc.body.products.map((x: { product_id: string }) => x.product_id),
        [b, a],
      );
      const active = await p.call('GET', PRODUCTS, { query: { tag, state: 'ACTIVED' } });
      assert.deepEqual(
        active.body.products.map((x: { product_id: string }) => x.product_id),
        [b],
      );
      const named = await p.call('GET', PRODUCTS, { query: { name: `MUG ${tag}` } });
      assert.equal(named.body.count, 1);
      const badState = await p.call('GET', PRODUCTS, { query: { state: 'NOPE' } });
      assert.equal(badState.status, 400);

      const d = await p.call('DELETE', `${PRODUCTS}/${a}`);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal((await p.call('GET', PRODUCTS, { query: { tag } })).body.count, 1);
      const deleted = await p.call('GET', PRODUCTS, { query: { tag, state: 'DELETED' } });
      assert.equal(deleted.body.products[0].product_id, a);
      assert.equal((await p.call('GET', `${PRODUCTS}/${a}`)).body.error_code, 'MSS.10004003');
      assert.equal((await p.call('DELETE', `${PRODUCTS}/${a}`)).body.error_code, 'MSS.10004003');
      assert.equal(
        (await p.call('PUT', `${PRODUCTS}/${a}`, { body: { name: 'x' } })).body.error_code,
        'MSS.10004003',
      );
      assert.equal(
        (await p.call('GET', `${PRODUCTS}/${b}`, { as: p.other })).body.error_code,
        'MSS.10004003',
      );
      assert.equal((await p.call('GET', PRODUCTS, { as: p.other })).body.count, 0);
    });

    it("a room paragraph's relation_product names a live product and takes its title; the jobs see its picture", async () => {
      const id = await create(product({ name: 'Travel flask', auto_active: true }));
      const text =
        'This travel flask keeps drinks hot all day long and fits every cup holder in the car. '.repeat(3);
      const room = await p.call('POST', '/v1/{project_id}/smart-live-rooms', {
        body: {
          room_name: 'Flask room',
          scene_scripts: [
            {
              script_name: 'Pitch',
              model_asset_id: model,
              shoot_scripts: [{ text_config: { text }, relation_product: { product_id: id } }],
            },
          ],
        },
      });
      assert.equal(room.status, 200, JSON.stringify(room.body));
      const shown = (await p.call('GET', `/v1/{project_id}/smart-live-rooms/${room.body.room_id}`)).body;
      assert.deepEqual(shown.scene_scripts[0].shoot_scripts[0].relation_product, {
        product_id: id,
        product_title: 'Travel flask',
      });
      const live = createLiveRooms(p.deps.moduleDeps);
      const found = await live.product(p.tenant.projectId, id);
      assert.equal(found?.image_asset_id, image, 'the cover is the picture');
      assert.equal(found?.state, 'ACTIVED');
      await p.call('DELETE', `${PRODUCTS}/${id}`);
      assert.equal(await live.product(p.tenant.projectId, id), undefined);
    });
  },
);
